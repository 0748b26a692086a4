using Bifrost.Store.ReadModel;

namespace Bifrost.Tui.Model;

/// <summary>An alert as the Alerts screen and `alerts` list it.</summary>
internal sealed record AlertRow(long Id, string Time, string Severity, string Code, string Message, bool Acknowledged, string Acknowledgement, string Delivery)
{
    /// <summary>The time in UTC, ISO 8601 (<see cref="Time"/> is the console's zone, without an offset): for scripts.</summary>
    public string TimeUtc { get; init; } = "";
}

/// <summary>Alerts from store rows. Pure.</summary>
internal static class AlertsModel
{
    public static IReadOnlyList<AlertRow> Rows(IReadOnlyList<AlertView> alerts, TimeZoneInfo zone) =>
        alerts.Select(a => new AlertRow(
            a.Alert.Id,
            Format.DateTime(a.Alert.TimeNanos, zone),
            MonitorBuilder.EnumWord(a.Alert.Severity).ToUpperInvariant(),
            a.Alert.Code,
            a.Alert.Message,
            a.Alert.Acknowledged,
            !a.Alert.Acknowledged ? "UNACKNOWLEDGED"
                : "ack" + (a.AcknowledgedBy is { } by ? $" by {by}" : "") + (a.AcknowledgedNanos is { } at ? $" {Format.DateTime(at, zone)}" : ""),
            Delivery(a.Deliveries)) { TimeUtc = Format.Iso(a.Alert.TimeNanos) }).ToList();

    /// <summary>"webhook sent (1), command failed (3): timeout", or "not delivered (no notifier row)".</summary>
    public static string Delivery(IReadOnlyList<AlertDelivery> deliveries) =>
        deliveries.Count == 0
            ? "no delivery recorded"
            : string.Join(", ", deliveries.GroupBy(d => d.Channel).Select(g => g.Last())
                .Select(d => $"{d.Channel} {d.Status} ({d.Attempts})" + (d.Status == "failed" && d.Detail.Length > 0 ? $": {d.Detail}" : "")));

    public static string Line(AlertRow a) =>
        $"#{a.Id,-5} {a.Time}  {a.Severity,-8} {a.Code,-22} {a.Message}  [{a.Acknowledgement}; {a.Delivery}]";
}
