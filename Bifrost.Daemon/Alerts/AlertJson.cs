using System.Text.Encodings.Web;
using System.Text.Json;
using Bifrost.Store.Records;

namespace Bifrost.Daemon.Alerts;

/// <summary>
/// What a notifier receives (stdin of a command, body of a webhook): one JSON object, snake_case, with both clocks named:
/// <c>{"id", "severity", "code", "message", "time" (receive, wall, ISO), "time_ns", "venue_time", "venue_ns", "account",
/// "mode", "run_id", "host", "pid"}</c>. <c>id</c> is the alerts row id (0 if the store had not written it yet).
/// </summary>
public sealed class AlertJson(string account, string mode, string runId)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly string _host = Environment.MachineName;

    public string Serialize(AlertRecord a, long id) => JsonSerializer.Serialize(new Payload(
        id,
        EnumText<AlertSeverity>.ToText(a.Severity),
        a.Code,
        a.Message,
        UnixNanos.ToDateTimeOffset(a.TimeNanos).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        a.TimeNanos,
        a.VenueNanos is { } v ? UnixNanos.ToDateTimeOffset(v).ToString("O", System.Globalization.CultureInfo.InvariantCulture) : null,
        a.VenueNanos,
        account,
        mode,
        runId,
        _host,
        Environment.ProcessId), Options);

    private sealed record Payload(
        long Id, string Severity, string Code, string Message, string Time, long TimeNs, string? VenueTime, long? VenueNs,
        string Account, string Mode, string RunId, string Host, int Pid);
}
