using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Logging;
using Bifrost.Daemon.Systemd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Model;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Engine;

/// <summary>The process exit code, set by the service before it stops the host.</summary>
public sealed class DaemonExit
{
    public int Code { get; set; }
}

/// <summary>A startup refusal (unresolvable contract, …): message printed, exit code 2, not restarted by systemd.</summary>
public sealed class DaemonRefusedException(string message) : Exception(message);

/// <summary>Knobs for tests and tools; the defaults are production's.</summary>
public sealed record DaemonRuntimeOptions
{
    public IbClientOptions? ClientOptions { get; init; }
    public StoreWriterOptions? StoreOptions { get; init; }
    public SdNotify? Notify { get; init; }
}

/// <summary>
/// The daemon's lifecycle, one path for first start and crash recovery: open the store; connect (retrying with
/// backoff); on the first session resolve missing contract ids, build the domain config, restore from the store and
/// start the engine loop with EngineStarted, then BrokerConnected (the reducer syncs); run until the reducer exits.
/// Host shutdown (SIGTERM / SIGINT) becomes a Stop control "from signal"; the engine then cancels, writes its final
/// status and exits, bounded by the configured stop timeout. An exception anywhere stops the host with exit code 1.
/// </summary>
public sealed class DaemonService(
    DaemonSettings settings,
    DaemonExit exit,
    IHostApplicationLifetime lifetime,
    ILogger<DaemonService> logger,
    DaemonRuntimeOptions runtime) : BackgroundService
{
    private readonly SdNotify? _notify = runtime.Notify ?? SdNotify.FromEnvironment();
    private volatile EngineLoop? _loop;

    /// <summary>The running engine (tests read its state once the daemon has stopped).</summary>
    public EngineLoop? Loop => _loop;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            exit.Code = await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (DaemonRefusedException e)
        {
            Log.Refused(logger, e.Message);
            await Console.Error.WriteLineAsync("bifrost-daemon: " + e.Message).ConfigureAwait(false);
            exit.Code = 2;
        }
        catch (Exception e)
        {
            Log.EngineCrashed(logger, e);
            exit.Code = 1;
        }
        finally
        {
            _notify?.Stopping();
            Log.Exiting(logger, exit.Code);
            lifetime.StopApplication();
        }
    }

    private async Task<int> RunAsync(CancellationToken stopping)
    {
        var preview = settings.Preview;
        var timings = settings.Daemon;
        Log.Starting(logger, preview.Mode.IsLive ? "LIVE" : "paper", preview.RunId, preview.Account, settings.Store.Path,
            settings.Connection.Host, settings.Connection.Port, settings.Connection.ClientId, timings.Clock.ToString().ToLowerInvariant());
        if (_notify is not null) Log.Systemd(logger, _notify.SocketPath, _notify.WatchdogInterval?.ToString() ?? "off");
        EngineClock clock = timings.Clock == ClockSource.Broker ? new BrokerEngineClock() : new SystemEngineClock();
        var channel = new EngineChannel(clock, timings.ChannelCapacity);
        var storeOptions = (runtime.StoreOptions ?? new StoreWriterOptions()) with { Durability = settings.Store.Durability };
        await using var store = StoreWriter.Open(settings.Store.Path, storeOptions);
        store.WriteFailed += f =>
        {
            Log.StoreFailing(logger, f.Error.Message);
            channel.TryPost(EventPayload.NewStoreFailed("store write failed: " + f.Error.Message));
        };
        store.WriteRecovered += () =>
        {
            Log.StoreRecovered(logger);
            channel.TryPost(EventPayload.StoreRecovered);
        };
        store.ItemRejected += r => Log.StoreRejected(logger, r.Item.GetType().Name, r.Error.Message);

        var broker = new IbBroker(settings.Connection, timings, preview.Account, channel, logger, () => InRestartWindow(preview, clock), runtime.ClientOptions);
        using var abort = new CancellationTokenSource();
        using var brokerStop = new CancellationTokenSource();
        var started = new TaskCompletionSource<Running>(TaskCreationOptions.RunContinuationsAsynchronously);
        OrderJournal? journal = null;
        using var journalLifetime = new DisposeLater(() => journal?.Dispose());

        async Task OnConnected(BrokerSession session, CancellationToken ct)
        {
            _notify?.Status(broker.Describe());
            if (started.Task.IsCompleted) return;
            var cfg = settings.Unresolved.Count == 0 ? preview : await ResolveAsync(broker, ct).ConfigureAwait(false);
            var contracts = ContractTable.From(cfg);
            broker.Contracts = contracts;
            // Orders journaled but not yet in the store (killed before the queue committed them) go in first.
            var journalPath = OrderJournal.PathFor(settings.Store.Path);
            var recovered = OrderJournal.MergeIntoStore(journalPath, settings.Store.Path, store);
            if (recovered > 0) Log.JournalRecovered(logger, recovered);
            journal = new OrderJournal(journalPath, settings.Store.Durability);
            Restored restored;
            using (var reader = StoreReader.Open(settings.Store.Path)) restored = StoreRestore.Read(reader, cfg);
            var control = new ControlWorker(settings.Store.Path, channel, store, cfg, contracts, timings.ControlPoll, logger);
            control.RefuseAbandoned();
            var summary = StatusMapper.ConfigSummary(cfg, settings.Connection.Host, settings.Connection.Port, settings.Connection.ClientId,
                timings.Clock.ToString().ToLowerInvariant());
            store.StartRun(new RunRecord(cfg.RunId, RunKind.Live, clock.NowNanos(), summary));
            var dispatcher = new CommandDispatcher(cfg, store, broker, control, new StatusMapper(cfg, contracts, summary), clock, logger,
                _notify, storeOptions.QueueCapacity, timings.HistoryEvery, journal);
            var loop = new EngineLoop(cfg, StateModule.initial(cfg), channel, dispatcher, logger, _notify);
            _loop = loop;
            Log.EngineStarted(logger, cfg.RunId, restored.Orders.Length, restored.Holdings.Length, restored.OrderIdHighWater);
            channel.Post(EventPayload.NewEngineStarted(restored));
            var loopTask = Task.Run(() => loop.RunAsync(abort.Token), CancellationToken.None);
            control.Start();
            var ticker = Task.Run(() => TickAsync(channel, cfg.Control.SelfCheckEvery, abort.Token), CancellationToken.None);
            started.TrySetResult(new Running(cfg, loop, loopTask, control, ticker));
        }

        var brokerTask = Task.Run(() => broker.RunAsync(OnConnected, brokerStop.Token), CancellationToken.None);
        var stopSignal = Task.Delay(Timeout.Infinite, stopping);
        try
        {
            await Task.WhenAny(started.Task, brokerTask, stopSignal).ConfigureAwait(false);
            if (!started.Task.IsCompleted)
            {
                if (brokerTask.IsCompleted) await brokerTask.ConfigureAwait(false); // a refusal or a bug: rethrow
                return 0; // stopped before the first connection: nothing to wind down
            }
            var run = started.Task.Result;
            try
            {
                await Task.WhenAny(run.LoopTask, stopSignal, brokerTask).ConfigureAwait(false);
                if (brokerTask.IsFaulted) await brokerTask.ConfigureAwait(false);
                if (!run.LoopTask.IsCompleted)
                {
                    // SIGTERM / SIGINT: the same Stop an operator sends, bounded by the stop timeout.
                    _notify?.Stopping();
                    var bound = TimeSpan.FromTicks(run.Cfg.Control.StopTimeout / 100) + TimeSpan.FromSeconds(2);
                    Log.StopRequested(logger, "signal", bound.TotalSeconds);
                    channel.Post(EventPayload.NewControlRequested(Bifrost.Domain.Trading.Control.Stop, new ControlMeta(0, "signal")));
                    if (await Task.WhenAny(run.LoopTask, Task.Delay(bound, CancellationToken.None)).ConfigureAwait(false) != run.LoopTask)
                    {
                        Log.StopTimedOut(logger);
                        await abort.CancelAsync().ConfigureAwait(false);
                    }
                }
                var code = await run.LoopTask.ConfigureAwait(false) ?? 0;
                if (code == 0) store.EndRun(run.Cfg.RunId, clock.NowNanos(), "{\"result\":\"stopped\"}");
                return code;
            }
            finally
            {
                run.Control.StopClaiming();
                await abort.CancelAsync().ConfigureAwait(false);
                await run.Ticker.ConfigureAwait(false);
                await run.Control.DisposeAsync().ConfigureAwait(false);
                channel.Complete();
            }
        }
        finally
        {
            await brokerStop.CancelAsync().ConfigureAwait(false);
            try
            {
                await brokerTask.ConfigureAwait(false);
            }
            catch (DaemonRefusedException)
            {
                // already reported by the first await
            }
            await broker.DisposeAsync().ConfigureAwait(false);
            await store.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private sealed record Running(Config Cfg, EngineLoop Loop, Task<int?> LoopTask, ControlWorker Control, Task Ticker);

    private static async Task TickAsync(EngineChannel channel, long everyNanos, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(everyNanos / 100, TimeSpan.TicksPerMillisecond * 10)));
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false)) channel.TryPost(EventPayload.ClockTicked);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Is "now" inside the configured daily TWS restart window (local minutes of the calendar's zone)?</summary>
    private bool InRestartWindow(Config preview, EngineClock clock)
    {
        if (settings.Daemon.RestartWindow is not { } w) return false;
        var nanos = clock.IsSynced ? clock.NowNanos() : EngineClock.WallNanos();
        var minute = SessionCalendarModule.localDayAndMinute(preview.Calendar, Timestamp.NewTimestamp(nanos)).Item2;
        return w.Start <= w.End ? minute >= w.Start && minute < w.End : minute >= w.Start || minute < w.End;
    }

    /// <summary>Contract ids the file does not give: one reqContractDetails each; exactly one match or a refusal.</summary>
    private async Task<Config> ResolveAsync(IbBroker broker, CancellationToken ct)
    {
        var ids = new Dictionary<ContractSpec, int>();
        foreach (var spec in settings.Unresolved)
        {
            var description = spec.SecType == "STK"
                ? $"strategy.underlying ({spec.Symbol})"
                : FormattableString.Invariant($"strategy.legs ({spec.Symbol} {spec.Expiry} {spec.Right} {spec.Strike})");
            var contract = spec.SecType == "STK"
                ? IbContract.Stock(spec.Symbol)
                : IbContract.Option(spec.Symbol, spec.Expiry.ToString(System.Globalization.CultureInfo.InvariantCulture), spec.Strike, spec.Right);
            IReadOnlyList<int> found;
            try
            {
                found = await broker.LookupAsync(contract, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                throw new DaemonRefusedException($"{description}: contract lookup failed: {e.Message}; set con_id in the configuration");
            }
            if (found.Distinct().Count() != 1)
                throw new DaemonRefusedException($"{description}: {found.Distinct().Count()} contracts match at the broker (expected exactly one); set con_id in the configuration");
            ids[spec] = found[0];
            Log.ContractResolved(logger, description, found[0]);
        }
        var parsed = ConfigJson.Parse(settings.DomainJson, spec => ids.TryGetValue(spec, out var id) ? id : throw new DaemonRefusedException($"unresolved contract {spec}"));
        return parsed.IsOk ? parsed.ResultValue : throw new DaemonRefusedException($"{parsed.ErrorValue.Field}: {parsed.ErrorValue.Message}");
    }

    /// <summary>Disposes what a local function created, when the enclosing scope ends.</summary>
    private sealed class DisposeLater(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
