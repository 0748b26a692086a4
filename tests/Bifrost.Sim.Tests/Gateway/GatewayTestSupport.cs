using System.Globalization;
using Bifrost.Ib.Client;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Model;
using Bifrost.Sim.Gateway;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Tests.Gateway;

/// <summary>Records every event of one IbClient session in arrival order and lets a test wait for one (never hangs).</summary>
internal sealed class EventLog : IbEventHandler
{
    private readonly List<IIbEvent> _all = [];

    public override void OnOther(IIbEvent e)
    {
        lock (_all) _all.Add(e);
    }

    public IReadOnlyList<IIbEvent> All
    {
        get
        {
            lock (_all) return [.. _all];
        }
    }

    public int Count
    {
        get
        {
            lock (_all) return _all.Count;
        }
    }

    public List<T> OfType<T>(Func<T, bool>? where = null) => All.OfType<T>().Where(x => where is null || where(x)).ToList();

    /// <summary>The first event of type T (from index <paramref name="from"/>) matching the predicate.</summary>
    public async Task<T> Wait<T>(Func<T, bool>? where = null, int from = 0, int timeoutMs = 5000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var all = All;
            for (var i = from; i < all.Count; i++)
                if (all[i] is T t && (where is null || where(t))) return t;
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException($"no {typeof(T).Name} within {timeoutMs} ms; got: {string.Join(", ", all.Skip(from).Select(e => e.GetType().Name).Distinct())}");
            await Task.Delay(5);
        }
    }

    /// <summary>Waits until the predicate holds over everything received so far.</summary>
    public async Task Until(Func<IReadOnlyList<IIbEvent>, bool> condition, int timeoutMs = 5000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition(All))
        {
            if (Environment.TickCount64 > deadline) throw new TimeoutException("condition not met in time");
            await Task.Delay(5);
        }
    }
}

/// <summary>A short synthetic session generated once per test run, and helpers to start gateways and clients.</summary>
internal static class GatewayHarness
{
    private static readonly Lazy<string> Data = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "bifrost-gateway-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "session.parquet");
        if (!File.Exists(path)) TickGenerator.WriteFile(path, new GeneratorOptions { Seed = 42, QuotesPerSecond = 0.5, OptionQuoteProbability = 0.5 });
        return path;
    });

    public static string DataPath => Data.Value;

    public static string TempFile(string name) =>
        Path.Combine(Path.GetDirectoryName(DataPath)!, $"{Guid.NewGuid():N}-{name}");

    public static Task<ReplayGateway> Start(ReplaySpeed? speed = null, string? ledger = null, IReadOnlyList<FaultRule>? faults = null,
        int? controlPort = null, IReadOnlyList<SeedPosition>? seeds = null) =>
        ReplayGateway.StartAsync(new GatewayOptions
        {
            DataPath = DataPath, Port = 0, Speed = speed ?? ReplaySpeed.Step, LedgerPath = ledger, Faults = faults ?? [],
            ControlPort = controlPort, SeedPositions = seeds ?? [],
        });

    public static async Task<(IbClient Client, EventLog Events)> Connect(ReplayGateway gateway, int clientId)
    {
        var events = new EventLog();
        var client = new IbClient(events, new IbClientOptions { PacingBurst = 20 });
        await client.ConnectAsync("127.0.0.1", gateway.Port, clientId);
        return (client, events);
    }

    public static readonly IbContract Stock = IbContract.Stock("XYZ");

    public static IbContract Option(ReplayGateway gateway, char right, double strike)
    {
        var key = gateway.Contracts.All.Values.First(k => k.IsOption && k.Right == right && k.Strike == strike);
        return IbContract.Option(key.Symbol, key.ExpiryYyyymmdd.ToString(CultureInfo.InvariantCulture), strike, right.ToString());
    }

    /// <summary>Step mode: moves the clock until the stock has a two-sided quote (so MKT orders can fill).</summary>
    public static Task Warm(ReplayGateway gateway) => gateway.AdvanceAsync(TimeSpan.FromSeconds(30));
}
