using Bifrost.Daemon.Logging;
using Bifrost.Daemon.Systemd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Engine;

/// <summary>
/// The one consumer: reads the engine channel, folds each event through <c>Reducer.step</c> and dispatches the
/// commands in order, before taking the next event. State lives here and nowhere else. What the dispatcher reports
/// back (an order that could not be recorded or sent) is fed to the reducer before the next channel item. An exception
/// escapes (crash-only): the host stops and the supervisor restarts the daemon, which recovers through the same
/// startup path.
/// </summary>
public sealed class EngineLoop
{
    private readonly Config _cfg;
    private readonly EngineChannel _channel;
    private readonly CommandDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly SdNotify? _notify;
    private readonly Queue<EventPayload> _feedback = new();
    private bool _ready;

    public EngineLoop(Config cfg, State initial, EngineChannel channel, CommandDispatcher dispatcher, ILogger logger, SdNotify? notify = null)
    {
        _cfg = cfg;
        State = initial;
        _channel = channel;
        _dispatcher = dispatcher;
        _logger = logger;
        _notify = notify;
        dispatcher.Feedback = _feedback.Enqueue;
    }

    /// <summary>The reducer's state after the last step (read it only from the loop, or after it ended).</summary>
    public State State { get; private set; }

    public long Steps { get; private set; }

    public EngineProbe? Probe { get; set; }

    /// <summary>Raised (on the loop) the first time reconciliation has finished: the daemon is ready.</summary>
    public event Action? Ready;

    /// <summary>Runs until the reducer asks to exit (its code is returned) or <paramref name="abort"/> is cancelled (null).</summary>
    public async Task<int?> RunAsync(CancellationToken abort)
    {
        var reader = _channel.Reader;
        try
        {
            while (await reader.WaitToReadAsync(abort).ConfigureAwait(false))
            {
                while (reader.TryRead(out var e))
                {
                    Probe?.Dequeued(e.WallNanos);
                    await StepAsync(e.Event, e.WallNanos).ConfigureAwait(false);
                    if (_dispatcher.ExitCode is { } code) return code;
                }
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
        }
        return _dispatcher.ExitCode;
    }

    /// <summary>One reducer step and its commands, then whatever the dispatcher fed back (public for the benchmark and tests).</summary>
    public ValueTask StepAsync(Event e) => StepAsync(e, EngineClock.WallNanos());

    /// <summary>One step of an input received at <paramref name="receivedWall"/> (host clock, Unix ns).</summary>
    public async ValueTask StepAsync(Event e, long receivedWall)
    {
        await StepOnceAsync(e, receivedWall).ConfigureAwait(false);
        while (_dispatcher.ExitCode is null && _feedback.TryDequeue(out var more)) await StepOnceAsync(_channel.Stamp(more), EngineClock.WallNanos()).ConfigureAwait(false);
    }

    private async ValueTask StepOnceAsync(Event e, long receivedWall)
    {
        _dispatcher.BeginStep(receivedWall);
        _dispatcher.Observe(e);
        var before = State.Fsm;
        var (next, commands) = Reducer.step(_cfg, State, e);
        State = next;
        Steps++;
        // Walked by its tail: foreach over an F# list allocates an enumerator per step, and most lists are empty.
        for (var c = commands; !c.IsEmpty; c = c.Tail) await _dispatcher.DispatchAsync(c.Head, next).ConfigureAwait(false);
        if (e.Payload.IsClockTicked) _dispatcher.OnClockTick();
        if (!ReferenceEquals(before, next.Fsm))
        {
            var from = FsmStateModule.name(before);
            var to = FsmStateModule.name(next.Fsm);
            if (from != to) Log.FsmChanged(_logger, from, to);
            if (!_ready && !next.Fsm.IsStarting && !next.Fsm.IsSyncing)
            {
                _ready = true;
                _notify?.Ready();
                Ready?.Invoke();
            }
        }
    }
}
