using Bifrost.Daemon.Alerts;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Logging;
using Bifrost.Daemon.Systemd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Model;
using Bifrost.Store;
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

/// <summary>A crash already logged and alerted (ENGINE_CRASHED) on its way out: the exit code is 1, nothing more to say.</summary>
public sealed class EngineCrashReportedException(Exception inner) : Exception("engine crashed: " + inner.Message, inner);

/// <summary>Knobs for tests and tools; the defaults are production's.</summary>
public sealed record DaemonRuntimeOptions
{
    public IbClientOptions? ClientOptions { get; init; }
    public StoreWriterOptions? StoreOptions { get; init; }
    public SdNotify? Notify { get; init; }

    /// <summary>Latency probe on the engine loop and its order path (benchmarks).</summary>
    public EngineProbe? Probe { get; init; }

    /// <summary>The host's clocks under `daemon.clock: system` (tests step a wall clock of their own).</summary>
    public IHostClock? HostClock { get; init; }

    /// <summary>The wall clock a control command's age is judged by against its writer's stamp (the machine's unless
    /// said; not the host clock above, which tests set to the replay's time).</summary>
    public Func<long>? ControlWallNanos { get; init; }
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
    private volatile CommandDispatcher? _dispatcher;

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
        catch (EngineCrashReportedException)
        {
            exit.Code = 1; // logged and alerted where it happened
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
        LogCalendarAhead(preview);
        EngineClock clock = timings.Clock == ClockSource.Broker ? new BrokerEngineClock() : new SystemEngineClock(runtime.HostClock ?? MachineClock.Instance);
        // Held until the restore is in: no broker event is reduced by an engine that has not restored yet.
        var channel = new EngineChannel(clock, timings.ChannelCapacity, hold: true);
        var storeOptions = (runtime.StoreOptions ?? new StoreWriterOptions()) with { Durability = settings.Store.Durability };
        // The last writes at exit are bounded (store.final_flush_seconds): a full or failing disk must not hang a stop.
        var finalFlush = settings.Store.FinalFlush > TimeSpan.Zero ? settings.Store.FinalFlush : TimeSpan.FromSeconds(5);
        storeOptions = storeOptions with { ShutdownTimeout = TimeSpan.FromTicks(Math.Min(storeOptions.ShutdownTimeout.Ticks, finalFlush.Ticks)) };
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
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // each webhook has its own timeout
        // A channel that stops delivering turns the light YELLOW (alerts_delivered) until it delivers again.
        await using var notifier = Notifiers.Create(settings, http, store, logger, (name, failure) =>
            channel.TryPost(failure is null ? EventPayload.NewAlertChannelRecovered(name) : EventPayload.NewAlertChannelFailed(name, failure)));

        var broker = new IbBroker(settings.Connection, timings, preview.Account, channel, logger, () => InRestartWindow(preview, clock), runtime.ClientOptions);
        // Before the engine runs no reducer can raise an alert: a TWS down or not answering at start was told to the log
        // only, while the book stood unhedged. The operator is paged once, at the third failed try.
        var startTroubles = 0;
        broker.StartTrouble = why =>
        {
            if (_loop is not null || Interlocked.Increment(ref startTroubles) != 3) return;
            Log.NotStarted(logger, why);
            RaiseDirect(Bifrost.Store.Records.AlertSeverity.Critical, "ENGINE_NOT_STARTED", $"the engine has not started after 3 tries ({why}); it keeps trying: nothing is hedged until it starts");
        };
        void RaiseDirect(Bifrost.Store.Records.AlertSeverity severity, string code, string message)
        {
            var alert = new AlertRecord(EngineClock.WallNanos(), severity, code, message);
            var handle = new AlertHandle();
            store.RaiseAlert(alert, handle);
            notifier.Post(alert, handle);
        }
        UncleanExit.Check(settings.Store.Path, store, RaiseDirect, logger);
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
            await ContractVerification.VerifyAsync(broker, cfg, Timestamp.NewTimestamp(clock.NowNanos()), logger, ct).ConfigureAwait(false);
            var contracts = ContractTable.From(cfg);
            Bifrost.Domain.PortfolioRuns.PortfolioSetup? portfolio = null;
            if (settings.Portfolio is { } portfolioSettings)
                (portfolio, contracts) = await PortfolioRuns.PortfolioContracts.ResolveAsync(portfolioSettings, broker, contracts, logger, ct).ConfigureAwait(false);
            broker.Contracts = contracts;
            // Orders journaled but not yet in the store (killed before the queue committed them) go in first.
            var journalPath = OrderJournal.PathFor(settings.Store.Path);
            int recovered;
            try
            {
                recovered = OrderJournal.MergeIntoStore(journalPath, settings.Store.Path, store);
            }
            catch (JournalCorruptException e)
            {
                throw new DaemonRefusedException(e.Message); // a store migrated since the check judges by its mark only now
            }
            if (recovered > 0) Log.JournalRecovered(logger, recovered);
            journal = new OrderJournal(journalPath, settings.Store.Durability);
            // The engine memory the store did not take before the last exit (a halt, a pause) goes in before it is read.
            var pendingMemory = PendingMemory.PathFor(settings.Store.Path);
            if (PendingMemory.MergeIntoStore(pendingMemory, settings.Store.Path, store) is var merged and not PendingMemoryOutcome.None)
                Log.PendingMemoryMerged(logger, merged == PendingMemoryOutcome.Applied ? "put into the store" : "dropped (the store's is newer)", pendingMemory);
            Restored restored;
            Microsoft.FSharp.Collections.FSharpList<Bifrost.Domain.PortfolioRuns.Run>? portfolioRuns = null;
            EventPayload? scheduleRestored = null;
            Microsoft.FSharp.Collections.FSharpList<RestoredSnapshot>? portfolioSnapshots = null;
            IReadOnlyDictionary<long, string> flattenRuns;
            using (var reader = StoreReader.Open(settings.Store.Path))
            {
                restored = StoreRestore.Read(reader, cfg);
                flattenRuns = reader.FlattenRunsByControl();
                if (portfolio is not null)
                    portfolioRuns = PortfolioRuns.PortfolioRestore.Read(reader, portfolio,
                        restored.RefusedFills.Select(f => ExecIdModule.value(f.Item1)).ToHashSet(StringComparer.Ordinal));
                if (portfolio?.Settings.Schedule?.Value is { } schedule) scheduleRestored = PortfolioRuns.PortfolioRestore.Schedule(reader, schedule.Name);
                if (portfolio is not null) portfolioSnapshots = PortfolioRuns.PortfolioSnapshotRestore.Read(reader);
            }
            var control = new ControlWorker(settings.Store.Path, channel, store, cfg, contracts, timings.ControlPoll, logger)
            {
                MaxAge = timings.ControlMaxAge,
                WallNanos = runtime.ControlWallNanos ?? EngineClock.WallNanos,
            };
            var resumed = control.ResolveAbandoned(restored.Orders.Select(o => o.RunId).ToHashSet(StringComparer.Ordinal),
                (portfolioRuns?.Select(r => r.Id) ?? []).ToHashSet(StringComparer.Ordinal), flattenRuns);
            restored = RestoredModule.withResumedControls(Microsoft.FSharp.Collections.ListModule.OfSeq(resumed), restored);
            var summary = StatusMapper.ConfigSummary(cfg, settings.Connection.Host, settings.Connection.Port, settings.Connection.ClientId,
                timings.Clock.ToString().ToLowerInvariant(), portfolio?.Contracts);
            store.StartRun(new RunRecord(cfg.RunId, RunKind.Live, clock.NowNanos(), summary));
            var dispatcher = new CommandDispatcher(cfg, store, broker, control, new StatusMapper(cfg, contracts, summary), clock, logger,
                _notify, storeOptions.QueueCapacity, timings.HistoryEvery, journal) { Notifier = notifier, Probe = runtime.Probe, PendingMemoryPath = pendingMemory };
            _dispatcher = dispatcher;
            control.StopClaimed = () => CloseOrders("stop control");
            var loop = new EngineLoop(cfg, StateModule.initial(cfg), channel, dispatcher, logger, _notify) { Probe = runtime.Probe };
            _loop = loop;
            Log.EngineStarted(logger, cfg.RunId, restored.Orders.Length, restored.Holdings.Length, restored.OrderIdHighWater);
            var loopTask = Task.Run(() => loop.RunAsync(abort.Token), CancellationToken.None);
            var portfolioEvents = new List<EventPayload>();
            if (portfolio is not null) portfolioEvents.Add(EventPayload.NewPortfolioConfigured(portfolio));
            if (portfolioSnapshots is { IsEmpty: false }) portfolioEvents.Add(EventPayload.NewPortfolioSnapshotsRestored(portfolioSnapshots));
            if (portfolioRuns is { IsEmpty: false }) portfolioEvents.Add(EventPayload.NewPortfolioRunsRestored(portfolioRuns));
            if (scheduleRestored is not null) portfolioEvents.Add(scheduleRestored);
            channel.Release(EventPayload.NewEngineStarted(restored), [.. portfolioEvents]);
            control.Start();
            var watcher = portfolio?.Settings.SignalsDir?.Value is { } signalsDir ? new PortfolioRuns.SignalsWatcher(signalsDir) : null;
            var ticker = Task.Run(() => TickAsync(channel, cfg.Control.SelfCheckEvery, timings.ClockStepTolerance, watcher, logger, abort.Token), CancellationToken.None);
            started.TrySetResult(new Running(cfg, loop, loopTask, control, ticker));
        }

        var brokerTask = Task.Run(() => broker.RunAsync(OnConnected, brokerStop.Token), CancellationToken.None);
        var stopSignal = Task.Delay(Timeout.Infinite, stopping);
        try
        {
            await Task.WhenAny(started.Task, brokerTask, stopSignal).ConfigureAwait(false);
            if (!started.Task.IsCompleted)
            {
                if (brokerTask.IsCompleted)
                {
                    // A refusal (a wrong contract, a second engine) or a bug: the operator is paged before the exit, since
                    // systemd does not restart a refusal (exit 2).
                    if (brokerTask.Exception?.InnerException is DaemonRefusedException refused)
                        RaiseDirect(Bifrost.Store.Records.AlertSeverity.Critical, "START_REFUSED", $"the daemon refused to start: {refused.Message}");
                    await brokerTask.ConfigureAwait(false);
                }
                return 0; // stopped before the first connection: nothing to wind down
            }
            var run = started.Task.Result;
            try
            {
                await Task.WhenAny(run.LoopTask, stopSignal, brokerTask, run.Ticker, run.Control.Completion).ConfigureAwait(false);
                if (brokerTask.IsFaulted) await brokerTask.ConfigureAwait(false);
                // The clock drives the limits, the staleness and order timeouts, the self-check and its heartbeat: an
                // engine whose ticker died would hedge on without them, silently. Crash-only: exit 1, paged.
                if (run.Ticker.IsCompleted && !run.LoopTask.IsCompleted)
                {
                    await run.Ticker.ConfigureAwait(false);
                    throw new InvalidOperationException("the engine's clock ticker ended while the engine ran");
                }
                // The same for the control channel: an engine deaf to pause, flatten and stop must not trade on.
                if (run.Control.Completion.IsCompleted && !run.LoopTask.IsCompleted)
                {
                    await run.Control.Completion.ConfigureAwait(false);
                    throw new InvalidOperationException("the control worker ended while the engine ran: pause, flatten and stop would go unanswered");
                }
                if (!run.LoopTask.IsCompleted)
                {
                    // SIGTERM / SIGINT: the same Stop an operator sends, bounded by the stop timeout.
                    _notify?.Stopping();
                    CloseOrders("signal");
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
                if (_dispatcher is { } recorder)
                {
                    await AwaitCommissionsAsync(channel, recorder, settings.Store.CommissionWait).ConfigureAwait(false);
                    // A memory the store refused is tried once more; still refused, it stays beside the store for the next start.
                    recorder.SaveUnsavedMemory();
                }
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
        catch (Exception e) when (e is not DaemonRefusedException)
        {
            // A crash pages the operator before the exit (the notifier drains below): only the log had it, and with the
            // exit path run the next start saw a clean stop — systemd restarted a book nobody was told had gone unwatched.
            Log.EngineCrashed(logger, e);
            try
            {
                RaiseDirect(Bifrost.Store.Records.AlertSeverity.Critical, "ENGINE_CRASHED",
                    $"the daemon stopped on an error ({e.GetType().Name}: {e.Message}); exit 1: systemd restarts it and the restart " +
                    "reconciles with the broker; orders working at the broker were not cancelled (the log has the stack, event 1009)");
            }
            catch (Exception alertFailed) when (alertFailed is StoreWriteException or StoreUnavailableException or InvalidOperationException or ObjectDisposedException)
            {
                Log.StoreFailing(logger, "the crash alert could not be queued: " + alertFailed.Message);
            }
            throw new EngineCrashReportedException(e);
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
            // The last alerts (a stop timeout, a disconnect) still go out, within a bound; outcomes land in the store.
            await notifier.StopAsync(Notifiers.DrainBound(settings.Alerts)).ConfigureAwait(false);
            UncleanExit.Stopped(store);
            using var flushBound = new CancellationTokenSource(finalFlush);
            try
            {
                await store.FlushAsync(flushBound.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                Log.FinalFlushIncomplete(logger, store.QueueDepth, finalFlush.TotalSeconds, store.IsFailing ? "the store is failing" : e.Message);
            }
        }
    }

    /// <summary>
    /// At stop, IB may still owe the commissionReport of a fill (it follows execDetails, sometimes by seconds). The engine
    /// has exited; the fills and commissions still arriving are recorded here (nothing else is read: no decision is made
    /// after the stop) until every fill this session recorded has its commission, or <paramref name="bound"/>
    /// (store.commission_wait_seconds) passes. What is still missing is logged by order ref: the next start's
    /// reqExecutions brings each execution with its commission, and the store fills it in.
    /// </summary>
    private async Task AwaitCommissionsAsync(EngineChannel channel, CommandDispatcher dispatcher, TimeSpan? bound)
    {
        var awaiting = dispatcher.AwaitingCommission;
        if (awaiting.Count == 0) return;
        var wait = bound ?? TimeSpan.FromSeconds(StoreSettings.DefaultCommissionWaitSeconds);
        var before = awaiting.Count;
        if (wait > TimeSpan.Zero)
        {
            Log.AwaitingCommissions(logger, before, wait.TotalSeconds);
            using var deadline = new CancellationTokenSource(wait);
            var reader = channel.Reader;
            try
            {
                while (awaiting.Count > 0 && await reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false))
                {
                    while (awaiting.Count > 0 && reader.TryRead(out var item))
                    {
                        if (!CommandDispatcher.IsRecordOnly(item.Event.Payload)) continue;
                        dispatcher.BeginStep(item.WallNanos);
                        dispatcher.Observe(item.Event);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // the bound passed
            }
        }
        if (awaiting.Count == 0) Log.CommissionsComplete(logger, before);
        else Log.CommissionsMissing(logger, awaiting.Count, string.Join(", ", awaiting.Take(20).Select(a => $"{a.Value} exec {a.Key}")));
    }

    /// <summary>Stop received: from this instant no order leaves, even one the reducer decided before it saw the Stop.</summary>
    private void CloseOrders(string who)
    {
        if (_dispatcher is { } d && d.CloseOrders()) Log.OrdersClosed(logger, who);
    }

    private sealed record Running(Config Cfg, EngineLoop Loop, Task<int?> LoopTask, ControlWorker Control, Task Ticker);

    /// <summary>The clock, its step check, and the signals directory's watch on the same beat (its I/O stays off the
    /// engine thread). A step is posted (waiting for room: it must not be dropped) before the clock follows it.</summary>
    private static async Task TickAsync(EngineChannel channel, long everyNanos, TimeSpan stepTolerance, PortfolioRuns.SignalsWatcher? watcher,
        ILogger logger, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(everyNanos / 100, TimeSpan.TicksPerMillisecond * 10)));
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                if (channel.Clock.DetectStep(stepTolerance.Ticks * 100) is { } step)
                {
                    Log.ClockStepped(logger, step / 1e9);
                    channel.Post(EventPayload.NewClockStepped(step));
                    channel.Clock.FollowStep();
                }
                channel.TryPost(EventPayload.ClockTicked);
                if (watcher?.Poll() is { } arrived && !channel.TryPost(arrived)) watcher.Forget();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The calendar's next closed weekday and half day, so the operator sees at start what the engine will
    /// take for a session (a holiday list kept by hand runs out; `calendar.exchange` follows the NYSE's rules).</summary>
    private void LogCalendarAhead(Config cfg)
    {
        static string Hhmm(int m) => $"{m / 60:D2}:{m % 60:D2}";
        var today = SessionCalendarModule.tradingDay(cfg.Calendar, Timestamp.NewTimestamp(EngineClock.WallNanos()));
        var (holiday, half) = ExchangeHolidays.upcoming(cfg.Calendar, today).ToValueTuple();
        const string none = "none known (calendar.holidays, calendar.exchange)";
        Log.CalendarAhead(logger, SessionCalendarModule.zoneName(cfg.Calendar), Hhmm(cfg.Calendar.OpenMinute), Hhmm(cfg.Calendar.CloseMinute),
            holiday is null ? none : SessionCalendarModule.dayText(holiday.Value),
            half is null ? none : $"{SessionCalendarModule.dayText(half.Value.Item1)} (closes {Hhmm(half.Value.Item2)})");
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
            IReadOnlyList<IbContractDetails> found;
            try
            {
                found = await broker.DetailsAsync(contract, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (BrokerUnansweredException.IsUnanswered(e))
            {
                throw new BrokerUnansweredException($"{description}: contract lookup not answered: {e.Message}", e);
            }
            catch (InvalidOperationException e)
            {
                throw new DaemonRefusedException($"{description}: contract lookup failed: {e.Message}; set con_id in the configuration");
            }
            // Several (the standard series and an adjusted one at the same terms, another listing): never the first one;
            // the operator is shown them all to pick the con_id.
            var distinct = found.Select(d => d.Contract.ConId).Distinct().Count();
            if (distinct != 1)
                throw new DaemonRefusedException($"{description}: {distinct} contracts match at the broker (expected exactly one)"
                    + (distinct > 1 ? ": " + ContractVerification.Candidates(found) : "") + "; set con_id in the configuration");
            ids[spec] = found[0].Contract.ConId;
            Log.ContractResolved(logger, description, found[0].Contract.ConId);
        }
        var parsed = ConfigJson.Parse(settings.DomainJson, spec => ids.TryGetValue(spec, out var id) ? id : throw new DaemonRefusedException($"unresolved contract {spec}"));
        // The domain knows our client id: a ref of this run from another client id is a second engine (same run_id).
        return parsed.IsOk ? ConfigModule.WithClientId(settings.Connection.ClientId, parsed.ResultValue)
                           : throw new DaemonRefusedException($"{parsed.ErrorValue.Field}: {parsed.ErrorValue.Message}");
    }

    /// <summary>Disposes what a local function created, when the enclosing scope ends.</summary>
    private sealed class DisposeLater(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
