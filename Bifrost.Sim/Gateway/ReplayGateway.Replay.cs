using Bifrost.Sim.Broker;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Gateway;

/// <summary>The simulated clock and the tick pump: timed (×N), max, or stepped.</summary>
public sealed partial class ReplayGateway
{
    private const int MaxTicksPerLock = 2_000;
    private const int BackpressureMessages = 20_000;
    private const long PreOpenNanos = 60_000_000_000L;
    private readonly long _firstTickNanos;
    private readonly TaskCompletionSource _replayFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<int> _seedCostPending = new();
    private readonly Dictionary<int, Tick> _latest = new();
    private TickFileReader? _replay;
    private IEnumerator<Tick[]>? _batches;
    private Tick[] _batch = [];
    private int _index;
    private bool _eof;
    private long _now;
    private long _ticksApplied;
    private long _lastTickNanos;
    private long _shiftNanos;
    private int _pass;
    private bool _passStarted;
    private DateOnly _lastLoopDay = DateOnly.MaxValue;

    /// <summary>Passes over the file started so far, minus one (0 during the first; see <see cref="GatewayOptions.Loop"/>).</summary>
    public int Pass => Volatile.Read(ref _pass);

    /// <summary>US/Eastern date of the session being replayed (the file's first day, shifted by the loop).</summary>
    public DateOnly SessionDate => SessionLoop.DateOf(_firstTickNanos + Interlocked.Read(ref _shiftNanos));

    /// <summary>Ticks applied so far.</summary>
    public long TicksReplayed => Interlocked.Read(ref _ticksApplied);

    private void OpenReplay()
    {
        _replay = new TickFileReader(_options.DataPath);
        _batches = _replay.ReadBatches().GetEnumerator();
        if (_options.Loop) _lastLoopDay = SessionLoop.LastDay(Contracts.All.Values);
    }

    /// <summary>Loop mode, at the end of a pass: reopens the file shifted to the next trading day, unless that day would
    /// reach the earliest option expiry (then the replay ends as without the loop).</summary>
    private bool TryStartNextPass()
    {
        if (!_options.Loop) return false;
        var next = SessionLoop.NextTradingDay(SessionLoop.DateOf(_lastTickNanos), _options.Holidays);
        if (next > _lastLoopDay)
        {
            Log($"loop: the next session {next:yyyy-MM-dd} would reach the options' expiry ({_lastLoopDay.AddDays(1):yyyy-MM-dd}); the replay ends after {_pass + 1} sessions");
            return false;
        }
        _replay?.Dispose();
        _replay = new TickFileReader(_options.DataPath);
        _batches = _replay.ReadBatches().GetEnumerator();
        Interlocked.Exchange(ref _shiftNanos, SessionLoop.ShiftNanos(_firstTickNanos, next));
        Volatile.Write(ref _pass, _pass + 1);
        _passStarted = true;
        Log($"loop: pass {_pass + 1}, session {next:yyyy-MM-dd} (after {_ticksApplied} ticks)");
        return true;
    }

    private bool TryPeek(out Tick tick)
    {
        while (_index >= _batch.Length)
        {
            if (_eof || !_batches!.MoveNext())
            {
                if (!_eof && TryStartNextPass()) continue;
                if (!_eof)
                {
                    _eof = true;
                    _replayFinished.TrySetResult();
                    Log($"end of tick data after {_ticksApplied} ticks");
                }
                tick = default;
                return false;
            }
            _batch = _shiftNanos == 0 ? _batches.Current : Shift(_batches.Current, _shiftNanos);
            _index = 0;
        }
        tick = _batch[_index];
        return true;
    }

    private static Tick[] Shift(Tick[] batch, long by)
    {
        var shifted = new Tick[batch.Length];
        for (var i = 0; i < batch.Length; i++) shifted[i] = batch[i] with { TsNanos = batch[i].TsNanos + by };
        return shifted;
    }

    private void SetNow(long nanos)
    {
        if (nanos > _now) Interlocked.Exchange(ref _now, nanos);
    }

    /// <summary>Applies one tick (under the lock): the broker sees the quote first (fills), then subscribers get it.</summary>
    private void ApplyTick(in Tick t)
    {
        _index++;
        _ticksApplied++;
        SetNow(t.TsNanos);
        _lastTickNanos = t.TsNanos;
        _latest[t.ConId] = t;
        if (_seedCostPending.Remove(t.ConId))
        {
            var mid = 0.5 * (t.Bid + t.Ask);
            var qty = _broker.Account.Position(t.ConId);
            if (double.IsFinite(mid)) _broker.Account.Seed(t.ConId, qty, mid);
        }
        HandleBrokerEvents(_broker.OnQuote(t.ConId, new TopOfBook(t.Bid, t.Ask, t.BidSize, t.AskSize, t.TsNanos), NowNanos));
        PublishTick(t);
    }

    /// <summary>Timed and max modes: applies the ticks that fall due and lets time pass for acks and fills.</summary>
    private async Task ReplayLoopAsync()
    {
        if (_options.Speed.Mode == ReplayMode.Step) return;
        var ct = _stop.Token;
        long simAnchor = _firstTickNanos;
        long wallAnchor = _wall.ElapsedTicks;
        double multiplier = _options.Speed.Mode == ReplayMode.Max ? 1 : _options.Speed.Multiplier;
        var maxMode = _options.Speed.Mode == ReplayMode.Max;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                while (Sessions().Any(s => s.Pending > BackpressureMessages)) await Task.Delay(1, ct).ConfigureAwait(false);
                int applied = 0;
                long nextDue = long.MaxValue;
                await _gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    var eofBefore = _eof;
                    var projected = maxMode && !_eof
                        ? long.MaxValue
                        : simAnchor + (long)((_wall.ElapsedTicks - wallAnchor) * (1e9 / System.Diagnostics.Stopwatch.Frequency) * multiplier);
                    while (applied < MaxTicksPerLock && TryPeek(out var t) && t.TsNanos <= projected)
                    {
                        ApplyTick(t);
                        applied++;
                        await EvaluateRulesAsync().ConfigureAwait(false);
                    }
                    if (!maxMode || _eof) SetNow(projected == long.MaxValue ? _now : projected);
                    if (maxMode && !eofBefore && _eof)
                    {
                        // the file is exhausted: from now on the clock runs at real time from the last tick
                        simAnchor = _now;
                        wallAnchor = _wall.ElapsedTicks;
                        maxMode = false;
                        multiplier = 1;
                    }
                    HandleBrokerEvents(_broker.Advance(NowNanos));
                    SettleExpiries();
                    await EvaluateRulesAsync().ConfigureAwait(false);
                    if (TryPeek(out var next)) nextDue = next.TsNanos;
                    if (_passStarted && nextDue != long.MaxValue)
                    {
                        // a new loop pass: the night passes at once, the clock stands a minute before its first tick
                        _passStarted = false;
                        simAnchor = Math.Max(_now, nextDue - PreOpenNanos);
                        wallAnchor = _wall.ElapsedTicks;
                        SetNow(simAnchor);
                    }
                }
                finally
                {
                    _gate.Release();
                }
                if (maxMode)
                {
                    await Task.Yield();
                    continue;
                }
                if (applied == MaxTicksPerLock) continue;
                // sleep until the next tick falls due, at most 5 ms (acks, fills and time triggers need the heartbeat)
                var untilNext = nextDue == long.MaxValue ? 5.0 : (nextDue - NowNanos) / 1e6 / multiplier;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(untilNext, 1, 5)), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        catch (ObjectDisposedException)
        {
            // stopping
        }
    }

    /// <summary>Step mode: applies the next <paramref name="ticks"/> ticks (fewer at the end of the file) and returns
    /// how many were applied. Orders see each quote as it is applied.</summary>
    public async Task<int> StepAsync(int ticks = 1)
    {
        RequireStepMode();
        await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
        try
        {
            var n = 0;
            while (n < ticks && TryPeek(out var t))
            {
                ApplyTick(t);
                n++;
                HandleBrokerEvents(_broker.Advance(NowNanos));
                SettleExpiries();
                await EvaluateRulesAsync().ConfigureAwait(false);
            }
            TryPeek(out _);
            return n;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Step mode: moves the clock forward by <paramref name="by"/>, applying every tick that falls due.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        RequireStepMode();
        await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
        try
        {
            var target = NowNanos + by.Ticks * 100;
            while (TryPeek(out var t) && t.TsNanos <= target)
            {
                ApplyTick(t);
                HandleBrokerEvents(_broker.Advance(NowNanos));
                SettleExpiries();
                await EvaluateRulesAsync().ConfigureAwait(false);
            }
            SetNow(target);
            HandleBrokerEvents(_broker.Advance(NowNanos));
            SettleExpiries();
            await EvaluateRulesAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void RequireStepMode()
    {
        if (_options.Speed.Mode != ReplayMode.Step)
            throw new InvalidOperationException($"stepping needs --speed step (this gateway runs at {_options.Speed})");
    }
}
