using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Writing;
using Bifrost.Sim.Tests.Backtest;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Tests.Cli;

/// <summary>
/// Bad input on the command line gets exit 2 and a message naming the option, key or argument at fault: never an
/// unhandled exception (exit 1 or 134), never a run of minutes that fails at the end, never silent acceptance.
/// </summary>
[Collection(CliConsole.Name)]
public sealed class BadInputCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-badinput-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Data => SampleData.TickFile;
    private static string Config => SampleData.BacktestConfig;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static void AssertRefused((int Code, string Stdout, string Stderr) run, string named)
    {
        Assert.Equal(2, run.Code);
        Assert.Contains(named, run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr); // no stack trace
    }

    // ------------------------------------------------------------------ parse errors

    [Theory]
    [InlineData("--config", "backtest", "--data", "x.parquet")]
    [InlineData("--bogus", "backtest", "--data", "x.parquet", "--config", "c.json", "--bogus")]
    [InlineData("abc", "backtest", "--data", "x.parquet", "--config", "c.json", "--threads", "abc")]
    [InlineData("--data", "backtest", "--data", "x.parquet", "--data", "y.parquet", "--config", "c.json")]
    [InlineData("--seed", "generate", "--out", "x.parquet", "--seed", "-1")]
    [InlineData("--days", "generate", "--out", "x.parquet", "--days", "1e3")]
    [InlineData("bogus", "bogus")]
    public void CommandLine_ParseError_Exits2KeepingTheMessage(string named, params string[] args) =>
        AssertRefused(CliRunner.Run(args), named);

    // ------------------------------------------------------------------ config and sweep files

    [Fact]
    public void Backtest_WithAPicosecondClock_Exits2NamingTheKey()
    {
        var config = Write("c.json", File.ReadAllText(Config).Replace("\"clock_seconds\": 1,", "\"clock_seconds\": 1e-12,"));
        AssertRefused(CliRunner.Run("backtest", "--data", Data, "--config", config), "backtest.clock_seconds");
    }

    [Fact]
    public void Backtest_OnAFileWithAnInfiniteAsk_Exits2NamingTheRow_NotAnInfiniteDrawdown()
    {
        // The sample with one of the underlying's quotes mid-session asking +Infinity (a vendor's "no offer").
        var stock = ContractKey.Stock("XYZ").ConId;
        var contracts = TickFileReader.ScanContracts(Data);
        var path = Path.Combine(_dir, "inf.parquet");
        var row = -1L;
        using (var reader = new TickFileReader(Data))
        using (var w = new TickFileWriter(path))
        {
            var n = 0L;
            foreach (var batch in reader.ReadBatches())
                foreach (var t in batch)
                {
                    var bad = row < 0 && n > 40_000 && t.ConId == stock;
                    if (bad) row = n;
                    w.Write(bad ? t with { Ask = double.PositiveInfinity } : t, contracts[t.ConId]);
                    n++;
                }
        }

        AssertRefused(CliRunner.Run("backtest", "--data", path, "--config", Config), $"row {row}: ask Infinity is not a finite price");
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")] // decoded on the prefetch thread: its failure is re-thrown on the run's
    public void Backtest_WithAColumnMappedToTheWrongType_Exits2NamingTheFileOnce(string threads)
    {
        var config = Write("c.json", File.ReadAllText(Config).Replace("\"financing_rate\": 0.0", "\"financing_rate\": 0.0, \"column_mapping\": { \"symbol\": \"bid\" }"));
        var run = CliRunner.Run("backtest", "--data", Data, "--config", config, "--threads", threads);
        AssertRefused(run, "column 'bid' is Double");
        Assert.Equal(1, run.Stderr.Split(Data).Length - 1);
    }

    /// <summary>DuckDB writes DATE 'infinity' as int.MaxValue days, a vendor's "no expiry" on stock rows: beyond .NET's
    /// dates, it escaped the reader as an unhandled ArgumentOutOfRangeException (exit 1 and a stack trace with one
    /// thread; the bare .NET text, no row, with two).</summary>
    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void Backtest_OnAFileWithAnExpiryBeyondEveryDate_Exits2NamingTheRowAndColumn(string threads)
    {
        var path = Path.Combine(_dir, "infinity.parquet");
        ColumnDescriptor[] schema =
        [
            ColumnDescriptor.Create("ts", ValueKind.TimestampMicros), ColumnDescriptor.Create("symbol", ValueKind.String),
            ColumnDescriptor.Create("kind", ValueKind.String), ColumnDescriptor.Create("bid", ValueKind.Double),
            ColumnDescriptor.Create("ask", ValueKind.Double), ColumnDescriptor.Create("expiry", ValueKind.Date, optional: true),
        ];
        using (var w = new ParquetFileWriter(path, schema))
            w.WriteRowGroup(new Int64Column([1_772_461_800_000_000L, 1_772_461_801_000_000L]), new StringColumn(["XYZ", "XYZ"]),
                new StringColumn(["STK", "STK"]), new DoubleColumn([99.99, 99.99]), new DoubleColumn([100.01, 100.01]),
                new Int32Column([0, int.MaxValue], [false, true]));

        AssertRefused(CliRunner.Run("backtest", "--data", path, "--config", Config, "--threads", threads),
            "row 1: expiry 2147483647 (DATE, days since 1970-01-01) is outside 0001-01-01 .. 9999-12-31");
    }

    /// <summary>A device was read until the process ran out of memory (4 GB, an unhandled OutOfMemoryException, exit 1)
    /// and a named pipe waited for a writer forever; the daemon's config was bounded, the simulator's were not. Run as
    /// processes: without the bound the test fails by its 60 s timeout, not by exhausting the test host.</summary>
    [Theory]
    [InlineData("backtest", "--config", "/dev/zero")]
    [InlineData("backtest", "--config", "fifo")]
    [InlineData("sweep", "--config", "fifo")]
    [InlineData("sweep", "--sweep", "/dev/zero")]
    [InlineData("sweep", "--sweep", "fifo")]
    public void ConfigOrSweepFile_ThatIsADeviceOrAPipe_Exits2NamingIt(string command, string option, string file)
    {
        var path = file;
        if (file == "fifo")
        {
            path = Path.Combine(_dir, "fifo");
            using var mkfifo = System.Diagnostics.Process.Start("mkfifo", path);
            mkfifo.WaitForExit();
        }
        var config = option == "--config" ? path : Config;
        var args = command == "backtest"
            ? new[] { "backtest", "--data", Data, "--config", config }
            : ["sweep", "--data", Data, "--config", config, "--sweep", option == "--sweep" ? path : SampleData.SweepSpec, "--out", Path.Combine(_dir, "out")];
        var (code, stderr) = CliRunner.RunProcess(args);
        Assert.Equal(2, code);
        Assert.Contains($"{option}: '{path}'", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    /// <summary>The same for a merge's shard files and the gateway's fault script, which were read unbounded: a device
    /// (or a link to one) grew until memory ran out (an unhandled OutOfMemoryException), a named pipe waited forever,
    /// and a directory named as the fault script was an unhandled crash. Shard files are streamed (they can be large),
    /// so a pipe or a device is refused before it is opened; the fault script is read bounded, as a config is.</summary>
    [Theory]
    [InlineData("merge", "/dev/zero")]
    [InlineData("merge", "fifo")]
    [InlineData("merge", "link")]
    [InlineData("gateway", "/dev/zero")]
    [InlineData("gateway", "fifo")]
    [InlineData("gateway", "dir")]
    public void MergeShardOrFaultScript_ThatIsADeviceAPipeOrADirectory_Exits2NamingIt(string command, string file)
    {
        var path = file switch
        {
            "fifo" => Path.Combine(_dir, "fifo"),
            "link" => Path.Combine(_dir, "shard-0-of-2.json"),
            "dir" => _dir,
            _ => file,
        };
        if (file == "fifo")
        {
            using var mkfifo = System.Diagnostics.Process.Start("mkfifo", path);
            mkfifo.WaitForExit();
        }
        if (file == "link") File.CreateSymbolicLink(path, "/dev/zero");
        var (code, stderr) = command == "merge"
            ? CliRunner.RunProcess("merge", Path.Combine(_dir, "out"), path)
            : CliRunner.RunProcess("gateway", "--data", Data, "--port", "0", "--faults", path);
        Assert.Equal(2, code);
        Assert.Contains($"{(command == "merge" ? "SHARDS" : "--faults")}: ", stderr);
        Assert.Contains($"'{path}'", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    /// <summary>Tick data named as a named pipe: its open waited for a writer, so a backtest, a sweep, the gateway or an
    /// inspect never began and never answered; a sweep hashed a device (<c>/dev/zero</c>) for ever.</summary>
    [Theory]
    [InlineData("backtest", "fifo")]
    [InlineData("sweep", "fifo")]
    [InlineData("sweep", "/dev/zero")]
    [InlineData("gateway", "fifo")]
    [InlineData("inspect", "fifo")]
    public void TickData_ThatIsAPipeOrADevice_Exits2NamingIt(string command, string file)
    {
        var path = file;
        if (file == "fifo")
        {
            path = Path.Combine(_dir, "ticks.parquet");
            using var mkfifo = System.Diagnostics.Process.Start("mkfifo", path);
            mkfifo.WaitForExit();
        }
        var (code, stderr) = command switch
        {
            "backtest" => CliRunner.RunProcess("backtest", "--data", path, "--config", Config),
            "sweep" => CliRunner.RunProcess("sweep", "--data", path, "--config", Config, "--sweep", SampleData.SweepSpec, "--out", Path.Combine(_dir, "out")),
            "gateway" => CliRunner.RunProcess("gateway", "--data", path, "--port", "0"),
            _ => CliRunner.RunProcess("inspect", path),
        };
        Assert.Equal(2, code);
        Assert.Contains($"'{path}' is empty or not a regular file", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Backtest_WithARepeatedSettingsKey_Exits2NamingIt()
    {
        var config = Write("c.json", File.ReadAllText(Config).Replace("\"fill_latency_ms\": 10,", "\"fill_latency_ms\": 10, \"fill_latency_ms\": 1e300,"));
        AssertRefused(CliRunner.Run("backtest", "--data", Data, "--config", config), "backtest.fill_latency_ms: is given twice");
    }

    [Fact]
    public void Backtest_WithALoneSurrogateEscape_Exits2NamingIt()
    {
        var text = File.ReadAllText(Config);
        Assert.Contains("\"XYZ\"", text);
        var config = Write("c.json", text.Replace("\"XYZ\"", "\"XYZ\\ud800\""));
        AssertRefused(CliRunner.Run("backtest", "--data", Data, "--config", config), "strategy.underlying.symbol: is not valid text");
    }

    [Fact]
    public void Sweep_WithALoneSurrogateEscape_Exits2NamingIt()
    {
        var sweep = Write("s.json", """{ "parameters": [ { "path": "strategy.lot_size\udc00", "values": [1] } ] }""");
        AssertRefused(CliRunner.Run("sweep", "--data", Data, "--config", Config, "--sweep", sweep, "--out", Path.Combine(_dir, "out")), "parameters[0].path: is not valid text");
    }

    [Fact]
    public void Sweep_WithARepeatedKey_Exits2NamingIt()
    {
        var sweep = Write("s.json", """{ "parameters": [ { "path": "strategy.lot_size", "values": [1] } ], "parameters": [] }""");
        AssertRefused(CliRunner.Run("sweep", "--data", Data, "--config", Config, "--sweep", sweep, "--out", Path.Combine(_dir, "out")), "parameters: is given twice");
    }

    [Theory]
    [InlineData("strategy.rules[7].half_width")]
    [InlineData("strategy.rules[0].halfwidth")]
    public void Sweep_WithAPathNotInTheBaseConfig_Exits2BeforeAnyRun(string path)
    {
        var sweep = Write("s.json", $$"""{ "parameters": [ { "path": "{{path}}", "values": [10, 20] } ] }""");
        var run = CliRunner.Run("sweep", "--data", Data, "--config", Config, "--sweep", sweep, "--out", Path.Combine(_dir, "out"), "--parallel", "1");
        AssertRefused(run, $"'{path}'");
        Assert.DoesNotContain("run(s)", run.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public void Merge_OfAShardFileWithARepeatedKey_Exits2NamingIt()
    {
        var shard = Write("shard-0-of-1.json", """{"format":"a","format":"b","runs":[]}""");
        AssertRefused(CliRunner.Run("merge", Path.Combine(_dir, "merged"), shard), "format: is given twice");
    }

    // ------------------------------------------------------------------ output paths

    [Fact]
    public void Backtest_WithAStoreThatIsNotSqlite_IsRefusedBeforeTheRun()
    {
        var store = Write("text.db", "not a database\n");
        var run = CliRunner.Run("backtest", "--data", Data, "--config", Config, "--store", store);
        AssertRefused(run, "--store");
        Assert.Contains("not a SQLite database", run.Stderr);
        Assert.DoesNotContain("P&L", run.Stdout); // refused before the run, not after it
    }

    [Fact]
    public void Backtest_WithAStoreThatIsADirectory_IsRefusedBeforeTheRun()
    {
        var run = CliRunner.Run("backtest", "--data", Data, "--config", Config, "--store", _dir);
        AssertRefused(run, "--store");
        Assert.DoesNotContain("P&L", run.Stdout);
    }

    [Fact]
    public void Backtest_WithAnSqliteStoreOfAnotherSchema_Exits2NamingStore()
    {
        // A SQLite file whose tables clash with the store's: the migration fails with a SqliteException.
        var store = Path.Combine(_dir, "other.db");
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store};Pooling=false"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE runs (x);";
            cmd.ExecuteNonQuery();
        }
        AssertRefused(CliRunner.Run("backtest", "--data", Data, "--config", Config, "--store", store), "--store");
    }

    [Theory]
    [InlineData("backtest")]
    [InlineData("sweep")]
    public void Command_WithOutAnExistingFile_IsRefusedBeforeTheRun(string command)
    {
        var file = Write("a-file", "x");
        var args = command == "backtest"
            ? new[] { "backtest", "--data", Data, "--config", Config, "--out", file }
            : ["sweep", "--data", Data, "--config", Config, "--sweep", SampleData.SweepSpec, "--out", file];
        var run = CliRunner.Run(args);
        AssertRefused(run, "--out");
        Assert.Contains("is a file, not a directory", run.Stderr);
    }

    [Fact]
    public void Sweep_WithAStoreThatIsNotSqlite_IsRefusedBeforeTheRun()
    {
        var store = Write("text.db", "not a database\n");
        var run = CliRunner.Run("sweep", "--data", Data, "--config", Config, "--sweep", SampleData.SweepSpec, "--out", Path.Combine(_dir, "out"), "--store", store);
        AssertRefused(run, "--store");
        Assert.DoesNotContain("run(s)", run.Stderr);
    }

    // ------------------------------------------------------------------ generate

    [Theory]
    [InlineData("9999-12-30", "5")]
    [InlineData("0001-01-01", "1")]
    [InlineData("2250-01-01", "1")]
    [InlineData("1970-12-31", "1")]
    [InlineData("2200-12-20", "5")] // the expiry after the last day passes 2200-12-31
    public void Generate_WithAStartOutOfRange_Exits2NamingStart(string start, string days)
    {
        var output = Path.Combine(_dir, "g.parquet");
        AssertRefused(CliRunner.Run("generate", "--out", output, "--start", start, "--days", days), "--start");
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Generate_WithAnEmptySymbol_Exits2NamingSymbol(string symbol) =>
        AssertRefused(CliRunner.Run("generate", "--out", Path.Combine(_dir, "g.parquet"), "--symbol", symbol), "--symbol");

    // ------------------------------------------------------------------ gateway

    [Theory]
    [InlineData("--control-port", "70000")]
    [InlineData("--control-port", "-1")]
    [InlineData("--ack-latency-ms", "-1")]
    [InlineData("--ack-latency-ms", "NaN")]
    [InlineData("--fill-latency-ms", "1e300")]
    [InlineData("--cash", "-1")]
    [InlineData("--cash", "NaN")]
    [InlineData("--first-order-id", "-5")]
    [InlineData("--first-order-id", "0")]
    [InlineData("--seed-position", "XYZ:5@-1")]
    [InlineData("--seed-position", "XYZ:5@NaN")]
    [InlineData("--seed-position", "NOPE:5")]
    public void Gateway_WithABadArgument_Exits2NamingTheOption(string option, string value) =>
        AssertRefused(CliRunner.Run("gateway", "--data", Data, "--port", "0", "--speed", "step", "--quiet", option, value), option);

    [Fact]
    public void Gateway_WithAPortOutOfRange_Exits2NamingPort()
    {
        var run = CliRunner.Run("gateway", "--data", Data, "--port", "70000", "--quiet");
        AssertRefused(run, "--port must be in [0, 65535]");
    }

    [Fact]
    public void Gateway_WithALedgerThatIsADirectory_Exits2NamingLedger() =>
        AssertRefused(CliRunner.Run("gateway", "--data", Data, "--port", "0", "--quiet", "--ledger", _dir), "--ledger");

    [Theory]
    [InlineData("--seed-position", "NOPE:5")]                   // refused after the start-up began
    [InlineData("--ledger", "/proc/nope/x")]
    public void Gateway_RefusedAsAProcess_Exits2AndNot134(string option, string value)
    {
        // The exit code of a real process: the refusal returned from Main, then a ProcessExit handler cancelled the
        // already disposed CancellationTokenSource (ObjectDisposedException, exit 134).
        var (code, stderr) = CliRunner.RunProcess("gateway", "--data", Data, "--port", "0", "--speed", "step", "--quiet", option, value);
        Assert.Equal(2, code);
        Assert.Contains(option, stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
    }
}
