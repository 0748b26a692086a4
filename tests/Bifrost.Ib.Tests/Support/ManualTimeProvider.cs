namespace Bifrost.Ib.Tests.Support;

/// <summary>A clock the test moves by hand (stub, not a mock).</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2025, 1, 17, 15, 30, 0, TimeSpan.Zero).AddTicks(_ticks);

    public TimeSpan Now => TimeSpan.FromTicks(_ticks);

    public void Advance(TimeSpan by) => _ticks += by.Ticks;

    public void SetTo(TimeSpan at) => _ticks = Math.Max(_ticks, at.Ticks);
}
