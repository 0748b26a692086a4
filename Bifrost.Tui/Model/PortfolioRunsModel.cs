using System.Globalization;
using System.Text.Json;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

/// <summary>Portfolio runs as text — the run machine's own status word (queued, pre-trade, running, done, partial,
/// failed, blocked) with its reasons, the snapshot and any fallback — one source for the console's Runs screen and
/// the CLI's <c>portfolio-runs</c>. Pure.</summary>
internal static class PortfolioRunsModel
{
    public static IReadOnlyList<string> Reasons(PortfolioRunRecord r)
    {
        try
        {
            return JsonSerializer.Deserialize<string[]>(r.ReasonsJson) ?? [];
        }
        catch (JsonException)
        {
            return [r.ReasonsJson];
        }
    }

    /// <summary>"ID STATUS snapshot SNAP (PURPOSE) — reasons fallback -> SNAP", the time first when a zone is given.</summary>
    public static string Line(PortfolioRunRecord r, TimeZoneInfo? zone = null)
    {
        var reasons = Reasons(r);
        var when = zone is null ? "" : Format.DateTime(r.UpdatedNanos, zone) + " ";
        return $"{when}{r.Id} {r.Status} snapshot {r.SnapshotId} ({r.Purpose})" + (reasons.Count > 0 ? " — " + string.Join("; ", reasons) : "")
            + (r.FallbackSnapshotId is { } fb ? $" fallback -> {fb}" : "");
    }

    /// <summary>One order of a run: symbol, side, filled/ordered, status, IB ids, and why it failed.</summary>
    public static string OrderLine(PortfolioRunOrderRecord o) =>
        $"  {o.OrderRef} {o.Symbol} {o.Side} {o.Filled}/{o.Quantity} {o.Status}" + (o.IbOrderId is { } ib ? $" ib {ib}" : "")
        + (o.PermId is { } perm ? $" perm {perm}" : "") + (o.Reason is { } why ? $" ({why})" : "");

    public static string SnapshotLine(PortfolioSnapshotRecord s) =>
        $"  snapshot {s.Id} sha256:{s.ContentHash} source {s.SourceKind} {s.SourceName} {s.SourceSha256} value {s.PortfolioValue.ToString("F2", CultureInfo.InvariantCulture)}";

    public static string TargetLine(PortfolioSnapshotLineRecord l) =>
        $"    {l.Symbol,-8} {l.Current,6} -> {l.Target,6} @ {(l.Price is { } p ? p.ToString("F2", CultureInfo.InvariantCulture) : "-")} {l.Notes}";

    /// <summary>The console's style for a status word.</summary>
    public static string Style(string status) => status switch
    {
        "done" => "good",
        "partial" or "queued" or "pre_trade" or "running" => "warn",
        "failed" or "blocked" => "bad",
        _ => "",
    };
}
