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
}

/// <summary>The machine's clock: right for TWS / IB Gateway, whose events happen now.</summary>
public sealed class SystemEngineClock : EngineClock
{
    public override long NowNanos() => WallNanos();
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
