using Bifrost.Sim.Tests.Backtest;

namespace Bifrost.Sim.Tests.Cli;

/// <summary>
/// The replay gateway reads tick files with the backtester's reader and must refuse a bad one the way the backtester
/// does: a message and exit 2, never an unhandled exception (exit 134). Called in-process: an exception escaping Main
/// fails the test.
/// </summary>
[Collection(CliConsole.Name)]
public sealed class GatewayCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-gwcli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> BadFiles => new() { "zero_byte", "truncated", "random", "wrong_magic", "bad_footer" };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Gateway_OnABadParquetFile_RefusesWithExit2(string kind)
    {
        var path = Path.Combine(_dir, kind + ".parquet");
        File.WriteAllBytes(path, Mangle(kind, File.ReadAllBytes(SampleData.TickFile)));

        var (code, stderr) = Run("gateway", "--data", path, "--port", "0", "--quiet");

        Assert.Equal(2, code);
        Assert.Contains("bifrost-sim", stderr);
    }

    [Fact]
    public void Backtest_OnTheSameBadFiles_AlsoExits2()
    {
        foreach (var kind in new[] { "zero_byte", "wrong_magic", "bad_footer" })
        {
            var path = Path.Combine(_dir, kind + ".parquet");
            File.WriteAllBytes(path, Mangle(kind, File.ReadAllBytes(SampleData.TickFile)));
            var (code, _) = Run("backtest", "--data", path, "--config", SampleData.BacktestConfig, "--out", Path.Combine(_dir, "out-" + kind));
            Assert.Equal(2, code);
        }
    }

    [Fact]
    public void Generate_IntoAFolderThatDoesNotExist_Exits2NamingOut()
    {
        var (code, stderr) = Run("generate", "--out", Path.Combine(_dir, "no-such-folder", "x.parquet"));
        Assert.Equal(2, code);
        Assert.Contains("--out", stderr);
        Assert.Contains("does not exist", stderr);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("gateway", "--help")]
    [InlineData("backtest", "--help")]
    [InlineData("sweep", "--help")]
    [InlineData("generate", "--help")]
    [InlineData("inspect", "--help")]
    [InlineData("merge", "--help")]
    public void Help_OnEverySubcommand_PrintsUsageAndExits0(params string[] args)
    {
        var (code, _) = Run(args);
        Assert.Equal(0, code);
    }

    internal static byte[] Mangle(string kind, byte[] good)
    {
        var rng = new Random(kind.GetHashCode(StringComparison.Ordinal));
        switch (kind)
        {
            case "zero_byte":
                return [];
            case "truncated":
                return good[..(good.Length / 2)];
            case "random":
                var bytes = new byte[4096];
                rng.NextBytes(bytes);
                return bytes;
            case "wrong_magic":
                var w = (byte[])good.Clone();
                "NOPE"u8.CopyTo(w.AsSpan(w.Length - 4));
                "NOPE"u8.CopyTo(w);
                return w;
            case "bad_footer":
                var b = (byte[])good.Clone();
                // The footer length (4 bytes before the closing magic) now points before the start of the file.
                BitConverter.GetBytes(int.MaxValue).CopyTo(b, b.Length - 8);
                return b;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static (int Code, string Stderr) Run(params string[] args)
    {
        var (code, _, stderr) = CliRunner.Run(args);
        return (code, stderr);
    }
}
