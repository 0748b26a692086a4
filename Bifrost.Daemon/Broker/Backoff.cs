namespace Bifrost.Daemon.Broker;

/// <summary>Capped exponential backoff with jitter (nautilus_trader #3796/#4210: no tight 326 loops at TWS restarts).</summary>
public static class Backoff
{
    /// <summary>Delay before reconnect attempt <paramref name="attempt"/> (1-based): min·2^(attempt−1), capped at max, then
    /// scaled into [50 %, 100 %] by <paramref name="jitter01"/> (uniform in [0, 1)) so clients do not reconnect in step.</summary>
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max, double jitter01)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var raw = Math.Min(max.Ticks, min.Ticks * Math.Pow(2, exponent));
        var scaled = raw * (0.5 + 0.5 * Math.Clamp(jitter01, 0, 1));
        return TimeSpan.FromTicks((long)Math.Max(scaled, 0));
    }
}
