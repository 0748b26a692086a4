using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using Bifrost.Daemon.Engine;
using Bifrost.Sim.Gateway;
using Bifrost.Sim.Ticks;
using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

public static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bifrost.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}

/// <summary>The daemon configuration the end-to-end tests use: the generated XYZ session, a 10-lot 100 straddle, a tight
/// band so hedges come often, loose freshness guards (the replay runs far faster than real time).</summary>
public static class TestConfig
{
    public static int StockId => ContractKey.Stock("XYZ").ConId;
    public static int CallId => ContractKey.Option("XYZ", 'C', 100, 20260320).ConId;
    public static int PutId => ContractKey.Option("XYZ", 'P', 100, 20260320).ConId;

    public static string Json(int port, string storePath, bool conIds, string mode = "paper", string account = "DU1234567",
        double band = 20, string afterFlatten = "pause", int clientId = 17, string? lockDir = null, string alerts = "{}")
    {
        string Id(int id) => conIds ? $", \"con_id\": {id}" : "";
        // The account lock is per host: each test locks in its own directory (other worktrees run these tests with the
        // same paper account at the same time).
        var locks = (lockDir ?? Path.GetDirectoryName(Path.GetFullPath(storePath))!).Replace("\\", "\\\\");
        return $$"""
        {
          "run_id": "t1", "account": "{{account}}", "mode": "{{mode}}",
          "connection": { "host": "127.0.0.1", "port": {{port}}, "client_id": {{clientId}}, "connect_timeout_seconds": 5 },
          "store": { "path": "{{storePath.Replace("\\", "\\\\")}}" },
          "daemon": { "clock": "broker", "clock_poll_ms": 50, "reconnect_min_seconds": 0.2, "reconnect_max_seconds": 1,
                      "control_poll_ms": 50, "history_seconds": 5, "lock_dir": "{{locks}}" },
          "alerts": {{alerts}},
          "strategy": {
            "underlying": { "symbol": "XYZ"{{Id(StockId)}} },
            "legs": [
              { "right": "C", "strike": 100, "expiry": "2026-03-20", "quantity": 10{{Id(CallId)}} },
              { "right": "P", "strike": 100, "expiry": "2026-03-20", "quantity": 10{{Id(PutId)}} }
            ],
            "rules": [ { "type": "band", "half_width": {{band.ToString(CultureInfo.InvariantCulture)}}, "unit": "shares" } ],
            "min_hedge_shares": 5, "cooldown_seconds": 2, "hard_delta_limit": 5000
          },
          "guards": { "lag_after_seconds": 600, "stale_after_seconds": 1200, "max_feed_latency_seconds": 5, "max_spread_bps": 100 },
          "risk": { "max_position": 5000, "max_order_notional": 1000000, "max_daily_trades": 1000, "daily_loss_limit": 100000, "max_drawdown": 100000 },
          "calendar": { "zone": "America/New_York", "open": "09:30", "close": "16:00" },
          "control": { "cancel_on_stop": true, "after_flatten": "{{afterFlatten}}", "flatten_target": "zero", "stop_timeout_seconds": 60, "self_check_seconds": 0.2 }
        }
        """;
    }
}

/// <summary>Collects the daemon's log lines; printed to the test output when something fails.</summary>
public sealed class TestLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => new Sink(_lines);

    public IEnumerable<string> Lines => _lines;

    public void Dispose()
    {
    }

    private sealed class Sink(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} [{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
    }
}

/// <summary>One in-process daemon run (cancel = SIGTERM).</summary>
public sealed class DaemonRun
{
    public required Task<int> Exit { get; init; }
    public required CancellationTokenSource Signal { get; init; }
    public required TestLog Log { get; init; }
    public IHost? Host { get; set; }
    public DaemonService? Service => Host?.Services.GetService(typeof(DaemonService)) as DaemonService;
}

/// <summary>A replay gateway on an ephemeral loopback port, a temp directory with the store, ledger and config, and helpers
/// to run daemons against them and read what happened.</summary>
public sealed class DaemonHarness : IAsyncDisposable
{
    private static readonly Lazy<string> Data = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "bifrost-daemon-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "session.parquet");
        if (!File.Exists(path)) TickGenerator.WriteFile(path, new GeneratorOptions());
        return path;
    });

    private readonly List<DaemonRun> _runs = [];
    private readonly List<TestChild> _processes = [];
    private readonly ITestOutputHelper? _output;

    private DaemonHarness(ReplayGateway gateway, string dir, ITestOutputHelper? output, string? storePath = null)
    {
        Gateway = gateway;
        Dir = dir;
        _output = output;
        StorePath = storePath ?? Path.Combine(dir, "bifrost.db");
    }

    public ReplayGateway Gateway { get; }
    public string Dir { get; }
    /// <summary>The daemon's store: in <see cref="Dir"/> unless the test put it elsewhere (a small or read-only mount).</summary>
    public string StorePath { get; }
    public string LedgerPath => Path.Combine(Dir, "ledger.jsonl");
    public string ConfigPath => Path.Combine(Dir, "bifrost.json");

    private static readonly SeedPosition[] Straddle = [new("XYZ 20260320 C 100", 10, 2.5), new("XYZ 20260320 P 100", 10, 2.4)];

    public static async Task<DaemonHarness> StartAsync(ITestOutputHelper? output = null, ReplaySpeed? speed = null, IReadOnlyList<string>? faults = null,
        bool seedLegs = true, Func<int, string, string>? config = null, long? fillLatencyNanos = null, string? storePath = null,
        string? dataPath = null, bool loop = false, IReadOnlyList<SeedPosition>? extraSeeds = null, bool settleExpiries = false,
        string baseCurrency = "USD", int firstOrderId = 1, IReadOnlyDictionary<string, string>? tradingClasses = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "bifrost-daemon-tests-" + Environment.ProcessId, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        ReplayGateway? gateway = null;
        try
        {
            gateway = await ReplayGateway.StartAsync(new GatewayOptions
            {
                DataPath = dataPath ?? Data.Value,
                Port = 0,
                Speed = speed ?? ReplaySpeed.Times(200),
                Loop = loop,
                LedgerPath = Path.Combine(dir, "ledger.jsonl"),
                Faults = (faults ?? []).Select(FaultScript.ParseRule).ToList(),
                FillModel = fillLatencyNanos is { } latency ? new GatewayOptions { DataPath = "" }.FillModel with { FillLatencyNanos = latency } : new GatewayOptions { DataPath = "" }.FillModel,
                SeedPositions = [.. seedLegs ? Straddle : [], .. extraSeeds ?? []],
                SettleExpiries = settleExpiries,
                BaseCurrency = baseCurrency,
                FirstOrderId = firstOrderId,
                TradingClasses = tradingClasses ?? new Dictionary<string, string>(),
            });
            var h = new DaemonHarness(gateway, dir, output, storePath);
            var store = h.StorePath;
            await File.WriteAllTextAsync(h.ConfigPath, config?.Invoke(gateway.Port, store) ?? TestConfig.Json(gateway.Port, store, conIds: false));
            return h;
        }
        catch
        {
            // Halfway: nothing the caller could dispose exists yet, so the gateway (port, replay, ledger) goes here.
            if (gateway is not null) await gateway.DisposeAsync();
            DeleteDir(dir);
            throw;
        }
    }

    /// <summary>The daemon as a child process (SIGKILL-able, its own pid) on <paramref name="configPath"/> (default: this
    /// harness's config); killed with its process tree when the harness is disposed, whatever the test did.</summary>
    public TestChild StartProcess(string? configPath = null, IDictionary<string, string>? environment = null, Action<string>? onLine = null)
    {
        // The config names its lock directory (TestConfig: next to the store), so no override here.
        var child = DaemonProcess.Start(configPath ?? ConfigPath, environment, onLine);
        _processes.Add(child);
        return child;
    }

    public DaemonRun StartDaemon(params string[] extraArgs) => StartDaemon(new Hashtable(), extraArgs);

    public DaemonRun StartDaemon(IDictionary environment, params string[] extraArgs) => StartDaemon(environment, new DaemonRuntimeOptions(), extraArgs);

    /// <summary>In process, with runtime options of the test's (a host clock of its own).</summary>
    public DaemonRun StartDaemon(IDictionary environment, DaemonRuntimeOptions runtime, params string[] extraArgs)
    {
        // Whatever config a test writes, its account lock stays in this test's directory.
        if (!environment.Contains("BIFROST__DAEMON__LOCK_DIR")) environment["BIFROST__DAEMON__LOCK_DIR"] = Dir;
        var log = new TestLog();
        var signal = new CancellationTokenSource();
        DaemonRun? run = null;
        var exit = Task.Run(() => DaemonProgram.RunAsync(["run", "--config", ConfigPath, .. extraArgs], environment, signal.Token,
            b => b.AddProvider(log), runtime, onStarted: host => run!.Host = host));
        run = new DaemonRun { Exit = exit, Signal = signal, Log = log };
        _runs.Add(run);
        return run;
    }

    // ------------------------------------------------------------------ reading the outcome

    public StoreReader Reader() => StoreReader.Open(StorePath);

    public T Read<T>(Func<StoreReader, T> read)
    {
        using var r = Reader();
        return read(r);
    }

    public List<T> Sql<T>(string sql, Func<SqliteDataReader, T> map)
    {
        using var c = new SqliteConnection($"Data Source={StorePath};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var rows = new List<T>();
        while (r.Read()) rows.Add(map(r));
        return rows;
    }

    /// <summary>The store's operations of these kinds (every kind when none is given), oldest first.</summary>
    public IReadOnlyList<OperationRecord> Ops(params OperationKind[] kinds) =>
        Read(r => r.QueryOperations(new OperationQuery { Kinds = kinds, Limit = 100_000 }));

    /// <summary>The store's alerts (the newest 1,000).</summary>
    public IReadOnlyList<AlertRecord> Alerts() => Read(r => r.GetAlerts(limit: 1000));

    public IReadOnlyList<LedgerEntry> Ledger() => File.Exists(LedgerPath) ? GatewayLedger.Read(LedgerPath) : [];

    public List<LedgerEntry> LedgerOf(string type, int clientId = 17) => Ledger().Where(e => e.Type == type && e.ClientId == clientId).ToList();

    /// <summary>Signed shares of XYZ bought and sold by this client according to the gateway.</summary>
    public int LedgerStockQty(int clientId = 17) =>
        LedgerOf("fill", clientId).Where(f => f.ConId == TestConfig.StockId).Sum(f => (f.Side == "BOT" ? 1 : -1) * f.Quantity ?? 0);

    public long Enqueue(ControlCommandKind kind, string args = "{}")
    {
        using var q = ControlQueue.Open(StorePath);
        return q.Enqueue(kind, args, "test");
    }

    public ControlCommand? Control(long id) => Read(r => r.GetControlCommand(id));

    public async Task<ControlCommand> WaitControl(long id, int timeoutMs = 15_000)
    {
        ControlCommand? c = null;
        await WaitUntil(() => (c = Control(id)) is { Status: ControlStatus.Done or ControlStatus.Refused }, $"control #{id} completed", timeoutMs);
        return c!;
    }

    public Task WaitUntil(Func<bool> condition, string what, int timeoutMs = 20_000) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeoutMs);

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds; a TimeoutException naming
    /// <paramref name="what"/> after <paramref name="timeoutMs"/>. Store and I/O errors count as "not yet".</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int timeoutMs = 20_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is Bifrost.Store.StoreUnavailableException or SqliteException or IOException)
            {
                // the store is not there yet
            }
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the daemon has sent at least <paramref name="n"/> orders that the gateway accepted.</summary>
    public Task WaitOrders(int n, int timeoutMs = 20_000) => WaitUntil(() => LedgerOf("order").Count >= n, $"{n} orders in the ledger", timeoutMs);

    public Task WaitFsm(string prefix, int timeoutMs = 20_000) =>
        WaitUntil(() => Read(r => r.GetStatus())?.FsmState.StartsWith(prefix, StringComparison.Ordinal) == true, $"status {prefix}", timeoutMs);

    /// <summary>Waits until every holding is quoted (the light's book_valued): before it the day's P&L is unknown and an
    /// order that adds risk is refused (DAILY_LOSS_LIMIT), so a scenario's first buy must not race the first quotes.</summary>
    public Task WaitBookValued(int timeoutMs = 30_000) =>
        WaitUntil(() => Read(r => r.GetStatus())?.Checks.Any(c => c.Name == "book_valued" && c.Health == Health.Ok) == true,
            "every holding marked", timeoutMs);

    /// <summary>Strategy-owned quantity of a contract in the daemon's last status row.</summary>
    public double StrategyQty(int conId) =>
        Read(r => r.GetStatus())!.Positions.Where(p => p.ContractId == conId && p.Owner == PositionOwner.Strategy).Sum(p => p.Quantity);

    public double ExternalQty(int conId) =>
        Read(r => r.GetStatus())!.Positions.Where(p => p.ContractId == conId && p.Owner == PositionOwner.External).Sum(p => p.Quantity);

    /// <summary>The invariants every scenario ends with: every execution the gateway reported for this client is in the
    /// store exactly once, every order the gateway accepted has a row, order ids were never reused, and the strategy's
    /// hedge equals what the ledger says it bought and sold. <paramref name="forgotten"/>: executions the broker no longer
    /// reports (the gateway's forget-executions) that the store cannot have; the comparison leaves them out.</summary>
    /// <param name="forgotten">executions the broker forgot (never in the store).</param>
    /// <param name="confirmedStock">shares the operator booked to the strategy with confirm_book (no fill in the store).</param>
    /// <param name="deliveredStock">shares the broker delivered by exercise of the strategy's expired legs (no fill).</param>
    /// <param name="misreported">executions the broker reported unlike their order: stored, applied to no order.</param>
    public void AssertMatchesLedger(int clientId = 17, IReadOnlySet<string>? forgotten = null, int confirmedStock = 0, int deliveredStock = 0,
        IReadOnlySet<string>? misreported = null)
    {
        forgotten ??= new HashSet<string>();
        misreported ??= new HashSet<string>();
        // Every execution the broker reported is a row, a correction too (IB's ".02": kept, never applied on top).
        var ledgerFills = LedgerOf("fill", clientId).Where(f => !forgotten.Contains(f.ExecId!)).Select(f => f.ExecId!)
            .Concat(LedgerOf("fill_correction", clientId).Select(f => f.ExecId!)).ToList();
        var storeFills = Sql("SELECT exec_id FROM fills f JOIN orders o ON o.order_ref = f.order_ref", r => r.GetString(0));
        Assert.Equal(ledgerFills.Order(), storeFills.Order());
        var ledgerOrders = LedgerOf("order", clientId);
        Assert.Equal(ledgerOrders.Count, ledgerOrders.Select(o => o.OrderId).Distinct().Count());
        Assert.Equal(ledgerOrders.Count, ledgerOrders.Select(o => o.OrderRef).Distinct().Count());
        var rows = Sql("SELECT order_ref, ib_order_id, filled FROM orders", r => (Ref: r.GetString(0), Id: r.GetInt64(1), Filled: r.GetDouble(2)))
            .ToDictionary(r => r.Ref);
        foreach (var o in ledgerOrders)
        {
            Assert.True(rows.TryGetValue(o.OrderRef!, out var row), $"ledger order {o.OrderRef} has no row in the store");
            Assert.Equal(o.OrderId, row.Id);
        }
        var filledByRef = LedgerOf("fill", clientId).Where(f => !forgotten.Contains(f.ExecId!) && !misreported.Contains(f.ExecId!)).GroupBy(f => f.OrderRef!).ToDictionary(g => g.Key, g => g.Sum(f => f.Quantity ?? 0));
        foreach (var (orderRef, qty) in filledByRef) Assert.Equal(qty, rows[orderRef].Filled);
        // The operator's own manual runs (purpose "manual") are external: the strategy owns every other fill.
        var operatorRefs = Sql("SELECT order_ref FROM orders WHERE purpose = 'manual'", r => r.GetString(0)).ToHashSet();
        var strategyStock = LedgerOf("fill", clientId).Where(f => f.ConId == TestConfig.StockId && !operatorRefs.Contains(f.OrderRef!) && !forgotten.Contains(f.ExecId!))
            .Sum(f => (f.Side == "BOT" ? 1 : -1) * f.Quantity ?? 0);
        Assert.Equal(strategyStock + confirmedStock + deliveredStock, StrategyQty(TestConfig.StockId));
    }

    public void Dump()
    {
        if (_output is null) return;
        foreach (var (run, i) in _runs.Select((r, i) => (r, i)))
        {
            _output.WriteLine($"--- daemon run {i}");
            foreach (var line in run.Log.Lines) _output.WriteLine(line);
        }
        foreach (var p in _processes)
        {
            _output.WriteLine($"--- daemon process {p.Pid}");
            _output.WriteLine(p.Output);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Child processes first (whole tree, reaped): they must never outlive the test, whatever it did.
        foreach (var p in _processes) p.Dispose();
        foreach (var run in _runs)
        {
            await run.Signal.CancelAsync();
            try
            {
                await run.Exit.WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (Exception)
            {
                // reported by the test itself
            }
        }
        await Gateway.DisposeAsync();
        DeleteDir(Dir);
    }

    private static void DeleteDir(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
