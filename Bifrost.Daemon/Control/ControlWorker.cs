using System.Collections.Concurrent;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Logging;
using Bifrost.Domain;
using Bifrost.Store;
using Bifrost.Store.Control;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Control;

/// <summary>Where the engine writes a control command's outcome.</summary>
public interface IControlCompleter
{
    void Complete(long controlId, bool done, string result);
}

/// <summary>
/// The control channel's daemon side: every poll interval it writes back finished outcomes and claims the next pending
/// command (exactly once, by the store's UPDATE … RETURNING), turning it into an engine event. It owns its
/// <see cref="ControlQueue"/> connection alone (one async flow, never concurrent). Commands with bad arguments are
/// refused here, recorded as a control operation, and never reach the engine.
/// </summary>
public sealed class ControlWorker : IControlCompleter, IAsyncDisposable
{
    private readonly ControlQueue _queue;
    private readonly EngineChannel _channel;
    private readonly StoreWriter _store;
    private readonly Config _cfg;
    private readonly ContractTable _contracts;
    private readonly TimeSpan _poll;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<(long Id, bool Done, string Result)> _completions = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private volatile bool _claiming = true;

    public ControlWorker(string storePath, EngineChannel channel, StoreWriter store, Config cfg, ContractTable contracts, TimeSpan poll, ILogger logger)
    {
        _queue = ControlQueue.Open(storePath);
        _channel = channel;
        _store = store;
        _cfg = cfg;
        _contracts = contracts;
        _poll = poll;
        _logger = logger;
    }

    /// <summary>
    /// Startup: commands a crashed daemon claimed and never answered are never re-run. A manual order, rebalance or
    /// flatten (its run found by <paramref name="flattenRuns"/>) whose run has orders in the store
    /// (<paramref name="orderRunIds"/>: the journal is merged first, and an order is journaled before it is sent), or a
    /// portfolio run the store holds (<paramref name="portfolioRunIds"/>), went out: it is
    /// handed back to the engine, which answers it with what its orders did — refused, a buy that had filled read as
    /// not done and was sent again. Every other one is refused. Returns the handed-back runs with their commands.
    /// </summary>
    public IReadOnlyList<Tuple<string, Bifrost.Domain.Trading.ControlMeta>> ResolveAbandoned(IReadOnlySet<string> orderRunIds, IReadOnlySet<string>? portfolioRunIds = null,
        IReadOnlyDictionary<long, string>? flattenRuns = null)
    {
        var resumed = new List<Tuple<string, Bifrost.Domain.Trading.ControlMeta>>();
        var refused = 0;
        foreach (var cmd in _queue.Taken())
        {
            // A portfolio run is answered by its restored run (its orders without it would leave the command taken).
            var (runId, held) = cmd.Command switch
            {
                ControlCommandKind.ManualOrder => ($"{_cfg.RunId}-man{cmd.Id}", orderRunIds),
                ControlCommandKind.Rebalance => ($"{_cfg.RunId}-reb{cmd.Id}", orderRunIds),
                ControlCommandKind.PortfolioRun => ($"{_cfg.RunId}-pf{cmd.Id}", portfolioRunIds),
                // A flatten's run id comes from the order sequence: its run row names the control (StoreMapping.RunParameters).
                ControlCommandKind.Flatten when flattenRuns is not null && flattenRuns.TryGetValue(cmd.Id, out var flat) => (flat, orderRunIds),
                _ => ((string?)null, null),
            };
            if (runId is not null && held is not null && held.Contains(runId))
            {
                resumed.Add(Tuple.Create(runId, new Bifrost.Domain.Trading.ControlMeta(cmd.Id, ControlArgs.RequestedBy(cmd))));
                continue;
            }
            if (_queue.Complete(cmd.Id, ControlOutcome.Refused,
                    "refused: the daemon restarted before completing it (an order it sent that still works is followed to its end: see the run's operations)"))
                refused++;
        }
        if (refused > 0) Log.ControlAbandoned(_logger, refused);
        return resumed;
    }

    /// <summary>`daemon.control_max_age_seconds`: a command that trades or lets the engine trade (<see cref="ControlExpiry"/>)
    /// older than this when the daemon takes it is refused, never run: queued while the daemon was down, it would
    /// otherwise run at the next start, hours or days after the operator decided it, on another market.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(Configuration.DaemonTimings.DefaultControlMaxAgeSeconds);

    /// <summary>The host's wall clock, what the enqueuer stamped the command with (tests set their own).</summary>
    public Func<long> WallNanos { get; init; } = EngineClock.WallNanos;

    /// <summary>Called when a stop command is claimed, before it reaches the engine (closes the order gate at once).</summary>
    public Action? StopClaimed { get; set; }

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Ends only when the worker is disposed, or — a bug — on an exception the worker does not handle. The
    /// daemon watches it: an engine whose control channel died would trade on deaf to pause, flatten and stop.</summary>
    public Task Completion => _loop;

    /// <summary>No more claims (the engine is stopping); outcomes are still written back.</summary>
    public void StopClaiming() => _claiming = false;

    public void Complete(long controlId, bool done, string result)
    {
        _completions.Enqueue((controlId, done, result));
        _wake.Release();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var due = _completions.Count;
                if (due > 0) await CommitQueuedWritesAsync().ConfigureAwait(false);
                DrainCompletions(due);
                if (_claiming) ClaimOne();
            }
            catch (Exception e) when (e is StoreUnavailableException or Microsoft.Data.Sqlite.SqliteException)
            {
                Log.ControlQueueFailed(_logger, e.Message);
            }
            try
            {
                await _wake.WaitAsync(_poll, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await DrainCompletionsAtExitAsync().ConfigureAwait(false);
    }

    /// <summary>How long an outcome may wait for the store's queue to be committed before it is written anyway.</summary>
    internal static readonly TimeSpan CommitBound = TimeSpan.FromSeconds(2);

    /// <summary>
    /// What the engine queued before it finished a command — a portfolio run's row, the operations it recorded — is
    /// committed before the command shows done, so whoever reads the run right after the answer finds it (the engine
    /// queues those rows before it hands over the outcome). Bounded: a failing store delays an answer by at most
    /// <see cref="CommitBound"/>, then the outcome is written anyway (the store's failure is reported on its own path).
    /// A stop does not cut the wait short: the last outcomes (the Stop's own among them) keep the same order.
    /// </summary>
    private async Task CommitQueuedWritesAsync()
    {
        try
        {
            await _store.FlushAsync(CancellationToken.None).WaitAsync(CommitBound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.ControlQueueFailed(_logger, $"store writes still queued after {CommitBound.TotalSeconds:0} s: outcomes written before them");
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or StoreWriteException or InvalidOperationException)
        {
            // Stopping, or the store is gone: the outcomes are written (or refused at the next start) as before.
        }
    }

    /// <summary>Writes back at most <paramref name="max"/> outcomes, oldest first (those the flush before it covered).</summary>
    private void DrainCompletions(int max = int.MaxValue)
    {
        for (var n = 0; n < max && _completions.TryDequeue(out var c); n++)
        {
            _queue.Complete(c.Id, c.Done ? ControlOutcome.Done : ControlOutcome.Refused, c.Result);
            Log.ControlCompleted(_logger, c.Id, c.Done ? "done" : "refused", c.Result);
        }
    }

    private async Task DrainCompletionsAtExitAsync()
    {
        try
        {
            if (!_completions.IsEmpty) await CommitQueuedWritesAsync().ConfigureAwait(false);
            DrainCompletions();
        }
        catch (Exception e) when (e is StoreUnavailableException or Microsoft.Data.Sqlite.SqliteException)
        {
            // A full or failing store at exit: the outcomes stay 'taken' and the next start refuses them as abandoned.
            Log.ControlQueueFailed(_logger, e.Message);
        }
    }

    private void ClaimOne()
    {
        if (_queue.TryClaimNext() is not { } cmd) return;
        Log.ControlClaimed(_logger, cmd.Id, EnumText<ControlCommandKind>.ToText(cmd.Command), ControlArgs.RequestedBy(cmd));
        if (cmd.Command == ControlCommandKind.Stop) StopClaimed?.Invoke();
        // Saturating: a created_ns near the ends of the range (a row written by hand) must not wrap into a fresh age.
        var elapsed = (Int128)WallNanos() - cmd.CreatedNanos;
        var age = TimeSpan.FromTicks((long)Int128.Clamp(elapsed / 100, 0, long.MaxValue));
        var ahead = TimeSpan.FromTicks((long)Int128.Clamp(-elapsed / 100, 0, long.MaxValue));
        if (ControlExpiry.Expires(cmd.Command) && age > MaxAge)
        {
            Refuse(cmd, $"expired: queued {age.TotalSeconds:N0} s before the daemon took it (daemon.control_max_age_seconds {MaxAge.TotalSeconds:N0}); "
                + "nothing was done: send it again if it still stands");
            return;
        }
        // A command dated in the future never grew old: queued by a writer whose clock ran ahead (or a row written by
        // hand in the wrong unit), it would run whenever a daemon next started, days after it was decided.
        if (ControlExpiry.Expires(cmd.Command) && ahead > MaxAge)
        {
            Refuse(cmd, $"dated {ahead.TotalSeconds:N0} s ahead of the daemon's clock (more than daemon.control_max_age_seconds {MaxAge.TotalSeconds:N0}): "
                + "the writer's clock or the row is wrong; nothing was done: send it again");
            return;
        }
        try
        {
            var payload = ControlArgs.Parse(cmd, _cfg, _contracts);
            if (!_channel.Post(payload)) throw new FormatException("the engine has stopped");
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or OverflowException)
        {
            Refuse(cmd, "bad arguments: " + e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A command the daemon could not read (a bug in its reading) is refused, never run, and the channel goes on:
            // one odd row must not leave the operator's next pause or stop unanswered.
            Log.ControlUnreadable(_logger, cmd.Id, e);
            Refuse(cmd, $"could not be read ({e.GetType().Name}: {e.Message}); nothing was done");
        }
    }

    private void Refuse(ControlCommand cmd, string why)
    {
        Log.ControlRefused(_logger, cmd.Id, EnumText<ControlCommandKind>.ToText(cmd.Command), why);
        _queue.Complete(cmd.Id, ControlOutcome.Refused, why);
        _store.Record(new OperationRecord(EngineClock.WallNanos(), Bifrost.Store.Records.OperationKind.ControlDone,
            Detail: $"{EnumText<ControlCommandKind>.ToText(cmd.Command)} by {cmd.RequestedBy} (#{cmd.Id}) refused: {why}")
        {
            VenueNanos = StoreMapping.Venue(_channel.Clock.NowNanos()), // receive (wall) in time_ns, engine clock beside it
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The daemon reported the worker's death when it happened (a crash); its connection is still closed here.
            Log.ControlQueueFailed(_logger, "the control worker had failed: " + e.Message);
        }
        _queue.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }
}
