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
    // The state and the input of the last step that placed an order: rehearsed when idle (see OnIdle).
    private State? _decidedFrom;
    private Event? _decidedOn;

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
                OnIdle();
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
        }
        return _dispatcher.ExitCode;
    }

    /// <summary>
    /// The queue is empty and the engine is about to wait: keep the order path warm (public for the benchmark). When
    /// the dispatcher rehearses the last order's way out, the loop also repeats the reducer's step that decided it, from
    /// the same state on the same input, and drops the result: the reducer is pure, so the repeat changes nothing and
    /// sends nothing, and it runs the decision's own code (band check, sizing, guards, the order's creation).
    /// </summary>
    public void OnIdle()
    {
        if (!_dispatcher.KeepOrderPathWarm()) return;
        if (_decidedFrom is { } state && _decidedOn is { } e) _ = Reducer.step(_cfg, state, e);
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
        var from = State;
        var before = from.Fsm;
        var (next, commands) = Reducer.step(_cfg, from, e);
        State = next;
        Steps++;
        // Walked by its tail: foreach over an F# list allocates an enumerator per step, and most lists are empty.
        for (var c = commands; !c.IsEmpty; c = c.Tail)
        {
            if (c.Head.IsPlaceOrder) (_decidedFrom, _decidedOn) = (from, e);
            await _dispatcher.DispatchAsync(c.Head, next).ConfigureAwait(false);
        }
        if (e.Payload.IsClockTicked) _dispatcher.OnClockTick();
        if (!ReferenceEquals(before, next.Fsm))
        {
            var was = FsmStateModule.name(before);
            var to = FsmStateModule.name(next.Fsm);
            if (was != to) Log.FsmChanged(_logger, was, to);
            if (!_ready && !next.Fsm.IsStarting && !next.Fsm.IsSyncing)
            {
                _ready = true;
                _notify?.Ready();
                Ready?.Invoke();
            }
        }
    }
}
