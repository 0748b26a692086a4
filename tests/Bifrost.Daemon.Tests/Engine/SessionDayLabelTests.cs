using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>
/// The session days the daemon labels for the daily views, from the real engine loop into a real store: a daemon left
/// running over a weekend labelled Saturday and Sunday like trading days (day P&amp;L 0.00, no hedges), and the statistics
/// counted them as days without a gain. The label says whether the exchange calendar has a session that day.
/// </summary>
public sealed class SessionDayLabelTests : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bifrost-sessiondays-" + Guid.NewGuid().ToString("N"));
    private readonly string _path;
    private readonly StoreWriter _store;
    private readonly EngineLoop _loop;

    public SessionDayLabelTests()
    {
        Directory.CreateDirectory(_dir);
        _path = Path.Combine(_dir, "bifrost.db");
        var cfg = ConfigLoader.Parse(TestConfig.Json(1, _path, conIds: true), new Hashtable()).Preview;
        _store = StoreWriter.Open(_path);
        var dispatcher = new CommandDispatcher(cfg, _store, new IdleBroker(), new NoControl(), new StatusMapper(cfg, ContractTable.From(cfg), "{}"),
            new SystemEngineClock(), NullLogger.Instance, historyEvery: TimeSpan.Zero);
        _loop = new EngineLoop(cfg, StateModule.initial(cfg), new EngineChannel(new SystemEngineClock(), 1024), dispatcher, NullLogger.Instance);
    }

    private ValueTask At(DateTimeOffset utc, EventPayload p)
    {
        var t = Timestamp.NewTimestamp(utc.ToUnixTimeMilliseconds() * 1_000_000L);
        return _loop.StepAsync(new Event(t, t, p));
    }

    [Fact]
    public async Task RunningOverAWeekend_TheWeekendDaysAreLabelledWithoutASession_TheTradingDaysWithOne()
    {
        var friday = new DateTimeOffset(2026, 3, 6, 15, 0, 0, TimeSpan.Zero); // 10:00 in New York
        foreach (var p in EngineInputs.StartedAndReconciled()) await At(friday, p);
        for (var d = 0; d <= 3; d++)
        for (var h = 0; h <= 6; h += 3)
            await At(friday.AddDays(d).AddHours(h), EventPayload.ClockTicked);
        await _store.FlushAsync();

        using var reader = StoreReader.Open(_path);
        var days = reader.GetDailySummaries().OrderBy(d => d.Day).Select(d => (d.Day, d.HasSession)).ToList();
        Assert.Equal([(new DateOnly(2026, 3, 6), true), (new DateOnly(2026, 3, 7), false), (new DateOnly(2026, 3, 8), false), (new DateOnly(2026, 3, 9), true)],
            days);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class NoControl : Bifrost.Daemon.Control.IControlCompleter
    {
        public void Complete(long controlId, bool done, string result) { }
    }

    // The days' labels, not the trading, are under test.
    private sealed class IdleBroker : IBrokerPort
    {
        public ValueTask PlaceOrderAsync(OrderRequest order, CancellationToken ct = default) => ValueTask.CompletedTask;
        public ValueTask CancelOrderAsync(int ibOrderId, CancellationToken ct = default) => ValueTask.CompletedTask;
        public ValueTask ReconcileAsync(IReadOnlyList<ReconcileScope> scopes, CancellationToken ct = default) => ValueTask.CompletedTask;
        public ValueTask SubscribeAsync(IReadOnlyList<ContractId> contracts, CancellationToken ct = default) => ValueTask.CompletedTask;
    }
}
