using Bifrost.Tui.Model;
using System.Text.Json;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.Cli;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Cli;

public sealed class PortfolioCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliMain.Run(args, stdout, stderr, () => Frames.Now);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void PortfolioRun_SignalsFile_WritesTheControlRowWithItsAbsolutePath()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var file = Path.Combine(store.Directory, "signals.csv");
        File.WriteAllText(file, "symbol,action,score,confidence,time\nAAA,buy,1,1,2026-03-01T12:00:00Z\n");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow - TimeSpan.FromMinutes(1));
        var (code, output, _) = Run("portfolio-run", file, "--snapshot", "monday-1", "--store", store.Path);
        Assert.Equal(0, code);
        using var reader = StoreReader.Open(store.Path);
        var row = Assert.Single(reader.ListControlCommands());
        Assert.Equal(ControlCommandKind.PortfolioRun, row.Command);
        var args = JsonDocument.Parse(row.ArgumentsJson).RootElement;
        Assert.Equal(file, args.GetProperty("file").GetString());
        Assert.Equal("monday-1", args.GetProperty("snapshot_id").GetString());
        Assert.Contains($"control #{row.Id} queued: portfolio run", output);
    }

    /// <summary>The daemon refuses a file modified under 2 s before it reads it (it may still be being written): a file
    /// written just before the command (`make-signals > f.csv && bifrost-tui portfolio-run f.csv`) is queued once it has
    /// been left that long, not refused.</summary>
    [Fact]
    public void PortfolioRun_AFileJustWritten_IsQueuedOnceSettled()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var file = Path.Combine(store.Directory, "signals.csv");
        File.WriteAllText(file, "symbol,action,score,confidence,time\nAAA,buy,1,1,2026-03-01T12:00:00Z\n");
        var (code, output, _) = Run("portfolio-run", file, "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Contains("waiting", output);
        Assert.True(DateTime.UtcNow - File.GetLastWriteTimeUtc(file) >= TimeSpan.FromSeconds(2), "queued before the file settled");
        using var reader = StoreReader.Open(store.Path);
        Assert.Single(reader.ListControlCommands());
    }

    [Fact]
    public void PortfolioRun_SnapshotAlone_QueuesAReRunOfThatStoredSnapshot()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("portfolio-run", "--snapshot", "snap12", "--store", store.Path);
        Assert.Equal(0, code);
        using var reader = StoreReader.Open(store.Path);
        var row = Assert.Single(reader.ListControlCommands());
        Assert.Equal(ControlCommandKind.PortfolioRun, row.Command);
        Assert.Equal("""{"snapshot_id":"snap12"}""", row.ArgumentsJson);
        Assert.Contains("portfolio run on stored snapshot snap12", output);
    }

    [Fact]
    public void PortfolioRun_Targets_QueuesTheOperatorsQuantities()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("portfolio-run", "--target", "aaa=50", "--target", "BBB=0", "--store", store.Path);
        Assert.Equal(0, code);
        using var reader = StoreReader.Open(store.Path);
        var row = Assert.Single(reader.ListControlCommands());
        Assert.Equal("""{"targets":[{"symbol":"AAA","quantity":50},{"symbol":"BBB","quantity":0}]}""", row.ArgumentsJson);
        Assert.Contains("portfolio run on targets AAA=50 BBB=0", output);
    }

    [Theory]
    [InlineData("--target", new[] { "portfolio-run", "--target", "AAA" })]
    [InlineData("--target quantity", new[] { "portfolio-run", "--target", "AAA=1.5" })]
    [InlineData("--target quantity", new[] { "portfolio-run", "--target", "AAA=x" })]
    [InlineData("--target symbol", new[] { "portfolio-run", "--target", "A A=5" })]
    [InlineData("--target: AAA given twice", new[] { "portfolio-run", "--target", "AAA=5", "--target", "aaa=6" })]
    [InlineData("--target: not with a signals FILE", new[] { "portfolio-run", "EXISTING", "--target", "AAA=5" })]
    [InlineData("--snapshot", new[] { "portfolio-run", "--snapshot", "no/slash" })]
    [InlineData("--snapshot ID", new[] { "portfolio-run", "--wait" })]
    public void PortfolioRun_BadTargetOrSnapshot_ExitTwo_NamingTheOption(string named, string[] args)
    {
        using var store = TempStore.WithSample(Frames.Now);
        var existing = Path.Combine(store.Directory, "ok.csv");
        File.WriteAllText(existing, "symbol,action,score,confidence,time\n");
        var (code, _, err) = Run(args.Select(a => a == "EXISTING" ? existing : a).Concat(["--store", store.Path]).ToArray());
        Assert.Equal(2, code);
        Assert.Contains(named, err);
        using var reader = StoreReader.Open(store.Path);
        Assert.Empty(reader.ListControlCommands());
    }

    [Theory]
    [InlineData("portfolio-run")]
    [InlineData("portfolio-run", "signals.txt")]
    [InlineData("portfolio-run", "missing.csv")]
    [InlineData("portfolio-run", "EXISTING", "--snapshot", "bad id with spaces")]
    [InlineData("portfolio-runs", "a", "b")]
    public void PortfolioCommands_BadArguments_ExitTwo_NothingQueued(params string[] args)
    {
        using var store = TempStore.WithSample(Frames.Now);
        var existing = Path.Combine(store.Directory, "ok.csv");
        File.WriteAllText(existing, "symbol,action,score,confidence,time\n");
        var argv = args.Select(a => a == "EXISTING" ? existing : a).Concat(["--store", store.Path]).ToArray();
        var (code, _, err) = Run(argv);
        Assert.Equal(2, code);
        Assert.StartsWith("bifrost-tui:", err);
        using var reader = StoreReader.Open(store.Path);
        Assert.Empty(reader.ListControlCommands());
    }

    [Fact]
    public void PortfolioRuns_ListsTheSameStatusLinesAsTheConsole()
    {
        using var store = TempStore.WithSample(Frames.Now, (_, w) => PortfolioSample.Write(w, Frames.Now));
        var (code, output, _) = Run("portfolio-runs", "--store", store.Path);
        Assert.Equal(0, code);
        using var reader = StoreReader.Open(store.Path);
        foreach (var r in reader.ListPortfolioRuns())
            Assert.Contains(PortfolioRunsModel.Line(r), output);
        Assert.Contains("week-20260304-run blocked snapshot week-20260304 (scheduled:week-20260304) — connection_unavailable", output);
    }

    [Fact]
    public void PortfolioRuns_EmptyStore_SaysSo()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var (code, output, _) = Run("portfolio-runs", "--store", store.Path);
        Assert.Equal(0, code);
        Assert.Contains("no portfolio runs", output);
    }
}
