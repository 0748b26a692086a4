using System.Diagnostics;

namespace Bifrost.Daemon.Engine;

/// <summary>
/// Stamps every engine input with its receive time (Unix nanoseconds). The domain never reads a clock; this is the
/// only place the daemon does. Thread-safe: producers on several threads call <see cref="NowNanos"/>.
/// </summary>
public abstract class EngineClock
{
    public abstract long NowNanos();

    /// <summary>Wall-clock time, for what the monitor compares with its own clock (heartbeat).</summary>
    public static long WallNanos() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>False until the clock knows the time (a broker clock before the first reply).</summary>
    public virtual bool IsSynced => true;

    /// <summary>A broker's time report (reqCurrentTime, whole seconds); ignored by the system clock.</summary>
    public virtual void ObserveBrokerSeconds(long unixSeconds)
    {
    }

    /// <summary>How far the host's clock stepped against this one since the last step reported (nanoseconds, signed),
    /// when more than <paramref name="toleranceNanos"/>; else null. Post the step, then <see cref="FollowStep"/>: the
    /// step reaches the engine before anything stamped on the far side of it. One caller (the ticker).</summary>
    public virtual long? DetectStep(long toleranceNanos) => null;

    /// <summary>After a detected step was posted: a step forward is followed, a step back is not.</summary>
    public virtual void FollowStep()
    {
    }
}

/// <summary>The host's two clocks: the wall clock (Unix time: NTP, an operator or a suspend can step it) and a
/// monotonic one (never steps). Tests hand the daemon their own.</summary>
public interface IHostClock
{
    long WallNanos();

    long MonotonicNanos();
}

/// <summary>This machine's clocks.</summary>
public sealed class MachineClock : IHostClock
{
    public static readonly MachineClock Instance = new();

    public long WallNanos() => EngineClock.WallNanos();

    public long MonotonicNanos() => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
}

/// <summary>
/// The machine's clock, right for TWS / IB Gateway, whose events happen now — kept monotonic. The engine's time is the
/// host's wall clock at start carried on by the monotonic clock, so a step of the wall clock does not move it: a step
/// back would have frozen every timer of the engine (its "now" never goes back: staleness, timeouts, cooldowns, the
/// session's hours) for as long as the step. The ticker compares the two (<see cref="DetectStep"/>): a step forward (a
/// suspend, a clock corrected forward) is followed after the engine is told, a step back is reported and not
/// followed (the engine stays ahead of the host until a restart re-reads the clock). A drift forward within the
/// tolerance is followed quietly; the wall clock's NTP slewing moves the monotonic clock alike on Linux.
/// </summary>
public sealed class SystemEngineClock(IHostClock host) : EngineClock
{
    private long _offset = host.WallNanos() - host.MonotonicNanos();
    private long _behind; // host − engine as last reported: ≤ 0, a step back not followed
    private long _pending;

    public SystemEngineClock() : this(MachineClock.Instance)
    {
    }

    public override long NowNanos() => host.MonotonicNanos() + Interlocked.Read(ref _offset);

    public override long? DetectStep(long toleranceNanos)
    {
        var drift = host.WallNanos() - NowNanos();
        if (Math.Abs(drift - _behind) <= toleranceNanos)
        {
            if (drift > 0 && _behind == 0) Interlocked.Add(ref _offset, drift);
            return null;
        }
        _pending = drift;
        return drift - _behind;
    }

    public override void FollowStep()
    {
        if (_pending > 0)
        {
            Interlocked.Add(ref _offset, _pending);
            _behind = 0;
        }
        else _behind = _pending;
        _pending = 0;
    }
}

/// <summary>
/// The broker's clock: wall time plus an offset learned from the broker's currentTime replies, so the daemon lives in
/// the replay gateway's simulated session (trading hours, option expiries, cooldowns all in session time). The offset
/// only grows (a reply behind the estimate is whole-second truncation), so time never goes backwards; between
/// replies the clock runs at wall speed, and a faster replay moves it forward at each reply. Returns 0 until the
/// first reply.
/// </summary>
public sealed class BrokerEngineClock : EngineClock
{
    private readonly long _startNanos = WallNanos();
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private long _offsetNanos = long.MinValue;
    private long _last;

    public override bool IsSynced => Interlocked.Read(ref _offsetNanos) != long.MinValue;

    private long Wall() => _startNanos + (long)(_wall.ElapsedTicks * (1e9 / Stopwatch.Frequency));

    public override long NowNanos()
    {
        var offset = Interlocked.Read(ref _offsetNanos);
        if (offset == long.MinValue) return 0;
        var now = Wall() + offset;
        // monotonic across threads
        long last;
        do
        {
            last = Interlocked.Read(ref _last);
            if (now <= last) return last;
        }
        while (Interlocked.CompareExchange(ref _last, now, last) != last);
        return now;
    }

    public override void ObserveBrokerSeconds(long unixSeconds)
    {
        var offset = unixSeconds * 1_000_000_000L - Wall();
        long current;
        do
        {
            current = Interlocked.Read(ref _offsetNanos);
            if (current != long.MinValue && offset <= current) return;
        }
        while (Interlocked.CompareExchange(ref _offsetNanos, offset, current) != current);
    }
}
