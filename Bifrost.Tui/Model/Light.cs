using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

/// <summary>The traffic light's colour. Always shown together with a word, so it reads without colour.</summary>
internal enum LightColor { Green, Yellow, Red }

/// <summary>
/// The light as the operator sees it: colour, the word for it, the reason codes that made it so (block reasons, or
/// DAEMON_SILENT / STORE_UNAVAILABLE / NO_STATUS decided by the monitor itself), an explanation line for those, and the
/// self-check items that are not ok.
/// </summary>
internal sealed record Light(LightColor Color, string Word, IReadOnlyList<string> Reasons, IReadOnlyList<string> FailingChecks, string? Detail)
{
    public string ColorWord => Color switch
    {
        LightColor.Green => "GREEN",
        LightColor.Yellow => "YELLOW",
        _ => "RED",
    };

    /// <summary>"GREEN · OK", "RED · DAEMON SILENT": the light in words.</summary>
    public string Caption => $"{ColorWord} · {Word}";
}

/// <summary>How the light is decided. Pure: the caller passes the clock.</summary>
internal static class LightRules
{
    public const string DaemonSilent = "DAEMON_SILENT";
    public const string StoreUnavailable = "STORE_UNAVAILABLE";
    public const string NoStatus = "NO_STATUS";

    /// <summary>
    /// Store error → red STORE UNAVAILABLE; no snapshot yet → red NO STATUS; heartbeat older than
    /// <paramref name="silentAfter"/> → red DAEMON SILENT whatever the snapshot says (its reasons kept after it as last
    /// known); otherwise the daemon's own self-check health.
    /// </summary>
    public static Light Decide(StatusSnapshot? status, string? storeError, long nowNanos, TimeSpan silentAfter)
    {
        if (storeError is not null)
            return new Light(LightColor.Red, "STORE UNAVAILABLE", [StoreUnavailable], [], storeError);
        if (status is null)
            return new Light(LightColor.Red, "NO STATUS", [NoStatus], [], "the daemon has not written a status yet");

        var failing = status.Checks
            .Where(c => c.Health != Health.Ok)
            .OrderByDescending(c => c.Health)
            .Select(c => c.Detail is { Length: > 0 } d ? $"{c.Name}: {d}" : c.Name)
            .ToList();
        var age = HeartbeatAge(status, nowNanos);
        // A heartbeat ahead of this host's clock proves nothing: the daemon writes it with the same wall clock, so a live
        // one's next beat (each second) follows a step back of that clock; one that stays ahead was written before the
        // step by a daemon now gone. Read as age 0 it showed a dead daemon GREEN for as long as the step.
        var ahead = status.HeartbeatNanos > 0 ? TimeSpan.FromTicks(Math.Max(0, status.HeartbeatNanos - nowNanos) / 100) : TimeSpan.Zero;
        if (age > silentAfter || ahead > silentAfter)
        {
            var detail = status.HeartbeatNanos <= 0
                ? "no heartbeat recorded"
                : ahead > silentAfter
                    ? $"last heartbeat {Format.Age(ahead)} ahead of this host's clock (limit {Format.Age(silentAfter)}): the clock stepped back since it was written, and no beat has come since"
                    : $"last heartbeat {Format.Age(age)} ago (limit {Format.Age(silentAfter)})";
            return new Light(LightColor.Red, "DAEMON SILENT", [DaemonSilent, .. status.BlockReasons], failing, detail);
        }
        return status.Health switch
        {
            Health.Ok => new Light(LightColor.Green, "OK", status.BlockReasons, failing, null),
            Health.Degraded => new Light(LightColor.Yellow, "DEGRADED", status.BlockReasons, failing, null),
            _ => new Light(LightColor.Red, "BLOCKED", status.BlockReasons, failing, null),
        };
    }

    /// <summary>Time since the last heartbeat; a missing heartbeat counts as infinitely old.</summary>
    public static TimeSpan HeartbeatAge(StatusSnapshot status, long nowNanos) =>
        status.HeartbeatNanos <= 0 ? TimeSpan.MaxValue : TimeSpan.FromTicks(Math.Max(0, nowNanos - status.HeartbeatNanos) / 100);
}
