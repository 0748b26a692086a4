using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Daemon.Alerts;
using Bifrost.Store.Records;

namespace Bifrost.Daemon.Configuration;

/// <summary>Reads and checks the "alerts" section; every error names its key path (<c>alerts.notifiers[1].url</c>).</summary>
internal static class AlertsConfig
{
    public static AlertSettings Read(JsonObject s)
    {
        ConfigLoader.CheckKeys(s, "alerts", "notifiers", "retries", "backoff_seconds", "min_severity", "queue_capacity");
        var retries = ConfigLoader.Int(s, "alerts", "retries", 3);
        if (retries is < 0 or > 20) throw new DaemonConfigException("alerts.retries", $"must be in 0..20, got {retries}");
        var backoff = Bounded(s, "alerts", "backoff_seconds", 1, 600);
        var severity = Severity(s, "alerts") ?? AlertSeverity.Info;
        var capacity = ConfigLoader.Int(s, "alerts", "queue_capacity", 1000);
        if (capacity is < 1 or > 1_000_000) throw new DaemonConfigException("alerts.queue_capacity", $"must be in 1..1000000, got {capacity}");
        var notifiers = new List<NotifierSettings>();
        switch (s["notifiers"])
        {
            case null:
                break;
            case JsonArray list:
                for (var i = 0; i < list.Count; i++) notifiers.Add(Notifier(list[i], $"alerts.notifiers[{i}]", i));
                break;
            case var other:
                throw new DaemonConfigException("alerts.notifiers", $"must be an array, got {other.GetValueKind()}");
        }
        var duplicate = notifiers.GroupBy(n => n.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new DaemonConfigException("alerts.notifiers", $"two notifiers are named '{duplicate.Key}'; give each a distinct \"name\"");
        return new AlertSettings(notifiers, retries, backoff, severity, capacity);
    }

    /// <summary>
    /// On this host, before the daemon runs (and at check-config): every command notifier's program exists and may be
    /// executed. A mistyped path was found only when the first alert failed — the pager dead under a GREEN light until the
    /// critical it was for. Not in <see cref="Read"/>: backups and pruning read the same file and need no pager.
    /// </summary>
    public static void CheckPrograms(AlertSettings alerts)
    {
        for (var i = 0; i < alerts.Notifiers.Count; i++)
        {
            if (alerts.Notifiers[i] is not CommandNotifierSettings c) continue;
            var program = c.Command[0];
            var key = $"alerts.notifiers[{i}].command[0]";
            if (!File.Exists(program))
                throw new DaemonConfigException(key, Directory.Exists(program) ? $"'{program}' is a directory, not a program" : $"'{program}' does not exist");
            const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(program) & AnyExecute) == 0)
                throw new DaemonConfigException(key, $"'{program}' is not executable (chmod +x)");
        }
    }

    private static AlertSeverity? Severity(JsonObject s, string path) => ConfigLoader.Text(s, path, "min_severity", null) switch
    {
        null => null,
        "info" => AlertSeverity.Info,
        "warning" => AlertSeverity.Warning,
        "critical" => AlertSeverity.Critical,
        var other => throw new DaemonConfigException($"{path}.min_severity", $"expected info, warning or critical, got '{other}'"),
    };

    // Checked before TimeSpan sees it: a huge number is a clear refusal, not an overflow.
    private static TimeSpan Bounded(JsonObject s, string path, string key, double fallback, double max)
    {
        var v = ConfigLoader.Number(s, path, key, fallback);
        if (v is <= 0 || v > max) throw new DaemonConfigException($"{path}.{key}", $"must be > 0 and at most {max} seconds, got {v}");
        return TimeSpan.FromSeconds(v);
    }

    private static NotifierSettings Notifier(JsonNode? node, string path, int index)
    {
        if (node is not JsonObject n) throw new DaemonConfigException(path, "must be an object with a \"type\" (command or webhook)");
        var type = ConfigLoader.Text(n, path, "type", null) ?? throw new DaemonConfigException($"{path}.type", "is required (command or webhook)");
        var timeout = Bounded(n, path, "timeout_seconds", 5, 300);
        switch (type)
        {
            case "command":
            {
                ConfigLoader.CheckKeys(n, path, "type", "name", "command", "timeout_seconds", "min_severity");
                if (n["command"] is not JsonArray { Count: > 0 } argv)
                    throw new DaemonConfigException($"{path}.command", "must be a non-empty array: [\"/path/to/program\", \"arg\", …]");
                var args = new List<string>();
                for (var i = 0; i < argv.Count; i++)
                {
                    if (argv[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.String || v.GetValue<string>().Length == 0)
                        throw new DaemonConfigException($"{path}.command[{i}]", "must be a non-empty string");
                    args.Add(v.GetValue<string>());
                }
                if (!Path.IsPathRooted(args[0]))
                    throw new DaemonConfigException($"{path}.command[0]", $"'{args[0]}' must be an absolute path (no PATH lookup for a program run on every alert)");
                var name = ConfigLoader.Text(n, path, "name", null) ?? $"command:{Path.GetFileName(args[0])}";
                return new CommandNotifierSettings(Name(name, path), args, timeout) { MinSeverity = Severity(n, path) };
            }
            case "webhook":
            {
                ConfigLoader.CheckKeys(n, path, "type", "name", "url", "timeout_seconds", "min_severity");
                var text = ConfigLoader.Text(n, path, "url", null) ?? throw new DaemonConfigException($"{path}.url", "is required");
                if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                    throw new DaemonConfigException($"{path}.url", $"'{text}' is not an absolute http(s) URL");
                var name = ConfigLoader.Text(n, path, "name", null) ?? $"webhook:{url.Host}";
                return new WebhookNotifierSettings(Name(name, path), url, timeout) { MinSeverity = Severity(n, path) };
            }
            default:
                throw new DaemonConfigException($"{path}.type", $"expected command or webhook, got '{type}'");
        }

        static string Name(string name, string path) =>
            string.IsNullOrWhiteSpace(name) || name.Length > 100 ? throw new DaemonConfigException($"{path}.name", "must be 1..100 characters") : name;
    }
}
