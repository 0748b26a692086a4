namespace Bifrost.Ib.Client;

/// <summary>
/// Client-side pacing: TWS accepts at most 50 messages per second per client (error 100, then a disconnect). A token
/// bucket of <c>burst</c> tokens refilled at <c>ratePerSecond</c> lets through at most <c>burst + ratePerSecond</c> messages
/// in any rolling second; the defaults (5 + 40 = 45) keep the margin ib_async uses. <see cref="Reserve"/> never refuses:
/// it takes a token (going into debt) and returns how long the caller must wait, so concurrent senders are scheduled
/// fairly at the refill rate. Time comes from an injectable <see cref="TimeProvider"/>.
/// </summary>
public sealed class IbPacer
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly double _burst;
    private readonly double _ratePerSecond;
    private double _tokens;
    private long _lastTimestamp;

    public IbPacer(TimeProvider? time = null, int burst = 5, double ratePerSecond = 40)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ratePerSecond, 0);
        _time = time ?? TimeProvider.System;
        _burst = burst;
        _ratePerSecond = ratePerSecond;
        _tokens = burst;
        _lastTimestamp = _time.GetTimestamp();
    }

    /// <summary>Most messages that can pass in any rolling second.</summary>
    public int MaxPerRollingSecond => (int)Math.Floor(_burst + _ratePerSecond);

    /// <summary>Takes one token; returns the delay before the message may be written (zero when a token was available).</summary>
    public TimeSpan Reserve()
    {
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            double elapsed = _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
            _lastTimestamp = now;
            _tokens = Math.Min(_burst, _tokens + elapsed * _ratePerSecond);
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _ratePerSecond);
        }
    }
}
