using System.Collections;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Domain;
using Bifrost.Store.Files;

namespace Bifrost.Daemon.Configuration;

/// <summary>
/// Reads the JSON configuration file, applies environment overrides and validates everything before the daemon
/// connects to anything. Overrides: <c>BIFROST__SECTION__KEY=value</c> sets <c>section.key</c> (case-insensitive match
/// on existing keys, array elements by index: <c>BIFROST__STRATEGY__LEGS__0__QUANTITY=5</c>); the value is read as a
/// JSON literal when it is one (numbers, true/false, null, arrays, objects), else as a string. The domain sections go
/// to <see cref="ConfigJson"/>; "connection", "store" and "daemon" are read here.
/// </summary>
public static class ConfigLoader
{
    public const string EnvironmentPrefix = "BIFROST__";

    /// <summary>A configuration is a few kilobytes; a megabyte is a wrong file.</summary>
    public const int MaxConfigBytes = 1 << 20;

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static DaemonSettings Load(string path, IDictionary? environment = null)
    {
        // Bounded: a pipe or a device named as the config would otherwise hang check-config or grow without end.
        var (text, error) = BoundedFile.Read(path, MaxConfigBytes);
        if (text is null) throw new DaemonConfigException("--config", error!);
        return Parse(text, environment ?? Environment.GetEnvironmentVariables());
    }

    /// <summary>Parses configuration text; a relative store path is relative to the working directory.</summary>
    public static DaemonSettings Parse(string json, IDictionary environment)
    {
        JsonObject root;
        try
        {
            // A repeated key: JsonNode throws on it only when the object is first read (an unhandled crash), and
            // JsonDocument keeps the last silently. Refused up front, naming it.
            using (var doc = JsonDocument.Parse(json, DocumentOptions))
            {
                if (JsonText.FirstUnreadable(doc.RootElement) is { } unreadable)
                    throw new DaemonConfigException(unreadable, JsonText.Refusal);
                if (JsonDuplicates.FirstIn(doc.RootElement) is { } repeated)
                    throw new DaemonConfigException(repeated, "is given twice (one value per key)");
            }
            root = JsonNode.Parse(json, documentOptions: DocumentOptions) as JsonObject
                ?? throw new DaemonConfigException("(json)", "the configuration must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new DaemonConfigException("(json)", $"not valid JSON: {e.Message}");
        }
        ApplyOverrides(root, environment);
        var connection = ReadConnection(Section(root, "connection"));
        var store = ReadStore(Section(root, "store"));
        var daemon = ReadDaemon(Section(root, "daemon"));
        var lockDir = ReadLockDirectory(Section(root, "daemon"));
        var alerts = AlertsConfig.Read(Section(root, "alerts"));
        // The daily TWS/Gateway restart window also blocks new orders: it joins the calendar's no-trade windows.
        if (daemon.RestartWindow is { } restart) AddNoTradeWindow(root, restart);
        var merged = root.ToJsonString();
        var unresolved = new List<ContractSpec>();
        var preview = ConfigJson.Parse(merged, spec =>
        {
            unresolved.Add(spec);
            return unresolved.Count; // placeholder ids, distinct, replaced after reqContractDetails
        });
        if (preview.IsError) throw new DaemonConfigException(preview.ErrorValue.Field, preview.ErrorValue.Message);
        // The daemon's ticker runs at it: the engine's clock steps (timers, hedge timeouts) and the status heartbeat,
        // and the console calls a daemon silent after 10 s without a beat (60 showed a healthy daemon RED most of the
        // time). A backtest has no heartbeat: its files may say 60.
        if (preview.ResultValue.Control.SelfCheckEvery > 5_000_000_000L) // nanoseconds
            throw new DaemonConfigException("control.self_check_seconds",
                "must be in (0, 5] seconds for the daemon: its clock and the status heartbeat run at it, and the console calls a daemon silent after 10 s without a beat");
        // A quote is stale after stale_after_seconds (the underlying's lags after lag_after, never longer) and the feed
        // watch tells a silent contract after it: one as long as the session turned both off for the day, the book priced
        // and hedged on a frozen feed under a GREEN light. A backtest's files say 86400 (their data is sparse): copied
        // into the daemon's, that is what they did.
        var calendar = preview.ResultValue.Calendar;
        var session = (calendar.CloseMinute - calendar.OpenMinute) * 60L * 1_000_000_000L;
        if (preview.ResultValue.Guards.StaleAfter >= session)
            throw new DaemonConfigException("guards.stale_after_seconds",
                $"must be shorter than the session for the daemon ({session / 1_000_000_000L:N0} s, calendar.open to calendar.close): a quote that old "
                + "is never stale and a silent feed never told within the day: the book priced, limited and hedged on a frozen feed under a GREEN light");
        if (StopBound(preview.ResultValue, store, alerts) is var bound && bound > MaxStop)
            throw new DaemonConfigException("control.stop_timeout_seconds",
                $"a stop may take {bound.TotalSeconds:N0} s (stop_timeout_seconds + 2 + store.commission_wait_seconds + the alert drain + " +
                $"store.final_flush_seconds), more than {MaxStop.TotalSeconds:N0} s: systemd kills the daemon at TimeoutStopSec " +
                "(120 s in the shipped unit) mid-stop, its cancels unconfirmed and its last alerts and writes lost");
        var portfolio = Bifrost.Domain.PortfolioRuns.PortfolioSettingsJson.parse(preview.ResultValue.Strategy.Underlying.Symbol, preview.ResultValue.Calendar, merged);
        if (portfolio.IsError) throw new DaemonConfigException(portfolio.ErrorValue.Field, portfolio.ErrorValue.Message);
        // The domain knows our client id whether or not contracts are resolved at the broker: a config listing every
        // con_id ran on this preview, and without it no order of this run from another client was told apart.
        return new DaemonSettings(connection, store, daemon, merged, ConfigModule.WithClientId(connection.ClientId, preview.ResultValue), unresolved)
        {
            LockDirectory = lockDir, Alerts = alerts, Portfolio = portfolio.ResultValue?.Value,
        };
    }

    /// <summary>A stop's bound, within the shipped unit's TimeoutStopSec (120 s) with room to spare.</summary>
    public static readonly TimeSpan MaxStop = TimeSpan.FromSeconds(100);

    /// <summary>The longest a stop can take: the engine's stop timeout (+2 s), the commission wait, the alert drain
    /// and the store's final flush, one after the other (DaemonService.RunAsync).</summary>
    public static TimeSpan StopBound(Config cfg, StoreSettings store, Alerts.AlertSettings alerts) =>
        TimeSpan.FromTicks(cfg.Control.StopTimeout / 100) + TimeSpan.FromSeconds(2) + (store.CommissionWait ?? TimeSpan.Zero)
        + Alerts.Notifiers.DrainBound(alerts) + store.FinalFlush;

    // ------------------------------------------------------------------ environment overrides

    public static void ApplyOverrides(JsonObject root, IDictionary environment)
    {
        var keys = environment.Keys.Cast<object>().Select(k => k.ToString() ?? "")
            .Where(k => k.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        // Names match keys case-insensitively, and Linux keeps both BIFROST__RISK__MAX_POSITION and
        // bifrost__risk__max_position: one would win silently by sort order. Refused, naming both.
        if (keys.GroupBy(k => string.Join("__", k[EnvironmentPrefix.Length..].Split("__", StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant())
                .FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new DaemonConfigException(twice.First(), $"is set twice, also as {string.Join(", ", twice.Skip(1))} (one value per key)");
        foreach (var key in keys)
        {
            var segments = key[EnvironmentPrefix.Length..].Split("__", StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length == 0) continue;
            var value = environment[key]?.ToString() ?? "";
            Set(root, segments, LiteralOrString(value, key), key);
        }
    }

    private static JsonNode? LiteralOrString(string value, string variable)
    {
        try
        {
            using (var doc = JsonDocument.Parse(value))
            {
                if (JsonText.FirstUnreadable(doc.RootElement) is not null)
                    throw new DaemonConfigException(variable, JsonText.Refusal);
                if (JsonDuplicates.FirstIn(doc.RootElement) is { } repeated)
                    throw new DaemonConfigException(variable, $"'{repeated}' is given twice (one value per key)");
            }
            var node = JsonNode.Parse(value);
            return node;
        }
        catch (JsonException)
        {
            return JsonValue.Create(value);
        }
    }

    private static void Set(JsonObject root, string[] segments, JsonNode? value, string variable)
    {
        JsonNode current = root;
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            switch (current)
            {
                case JsonObject obj:
                {
                    var name = obj.Select(p => p.Key).FirstOrDefault(k => k.Equals(segments[i], StringComparison.OrdinalIgnoreCase))
                        ?? segments[i].ToLowerInvariant();
                    if (last)
                    {
                        obj[name] = value;
                        return;
                    }
                    if (obj[name] is not { } next)
                    {
                        next = new JsonObject();
                        obj[name] = next;
                    }
                    current = next;
                    break;
                }
                case JsonArray arr:
                {
                    if (!int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= arr.Count)
                        throw new DaemonConfigException(variable, $"'{segments[i]}' is not an index of the array (0..{arr.Count - 1})");
                    if (last)
                    {
                        arr[index] = value;
                        return;
                    }
                    current = arr[index] ?? throw new DaemonConfigException(variable, $"element {index} is null");
                    break;
                }
                default:
                    throw new DaemonConfigException(variable, $"cannot set a key inside a {current.GetValueKind()} value");
            }
        }
    }

    // ------------------------------------------------------------------ shell sections

    private static void AddNoTradeWindow(JsonObject root, (int Start, int End) window)
    {
        static string HhMm(int minutes) => $"{minutes / 60:D2}:{minutes % 60:D2}";
        if (root["calendar"] is null) root["calendar"] = new JsonObject();
        if (root["calendar"] is not JsonObject calendar) return; // the domain's parser names the bad key
        if (calendar["no_trade_windows"] is null) calendar["no_trade_windows"] = new JsonArray();
        if (calendar["no_trade_windows"] is JsonArray windows) windows.Add(new JsonArray(HhMm(window.Start), HhMm(window.End)));
    }

    private static JsonObject Section(JsonObject root, string name) =>
        root[name] switch
        {
            null => new JsonObject(),
            JsonObject o => o,
            var other => throw new DaemonConfigException(name, $"must be an object, got {other.GetValueKind()}"),
        };

    internal static void CheckKeys(JsonObject section, string path, params string[] allowed)
    {
        foreach (var (key, _) in section)
            if (!allowed.Contains(key))
                throw new DaemonConfigException($"{path}.{key}", $"unknown key (expected one of {string.Join(", ", allowed)})");
    }

    private static ConnectionSettings ReadConnection(JsonObject s)
    {
        CheckKeys(s, "connection", "host", "port", "client_id", "allow_remote", "connect_timeout_seconds", "dedicated_sender");
        var host = Text(s, "connection", "host", "127.0.0.1");
        var port = Int(s, "connection", "port", 7497);
        var clientId = Int(s, "connection", "client_id", 17);
        var allowRemote = Bool(s, "connection", "allow_remote", false);
        if (string.IsNullOrWhiteSpace(host)) throw new DaemonConfigException("connection.host", "must not be empty");
        if (port is < 1 or > 65535) throw new DaemonConfigException("connection.port", $"must be in 1..65535, got {port}");
        if (clientId < 0) throw new DaemonConfigException("connection.client_id", $"must be >= 0, got {clientId}");
        // Client 0 is TWS's own: orders placed by hand in TWS are bound to it, and their statuses and errors (which carry
        // an order id, not a client) reach it — an error for a manual order could be taken for the engine's of that id.
        if (clientId == 0)
            throw new DaemonConfigException("connection.client_id", "0 is TWS's own client (manual TWS orders, their statuses and errors reach it): choose another id, e.g. 17");
        if (!allowRemote && !IsLoopback(host))
            throw new DaemonConfigException("connection.host",
                $"'{host}' is not a loopback address (127.0.0.1, ::1, localhost); TWS must run on this machine unless connection.allow_remote is true");
        var timeout = Seconds(s, "connection", "connect_timeout_seconds", 10);
        return new ConnectionSettings(host, port, clientId, allowRemote, timeout, Bool(s, "connection", "dedicated_sender", false));
    }

    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    private static StoreSettings ReadStore(JsonObject s)
    {
        CheckKeys(s, "store", "path", "durability", "retention_days", "final_flush_seconds", "commission_wait_seconds");
        var path = Text(s, "store", "path", null) ?? throw new DaemonConfigException("store.path", "is required");
        if (string.IsNullOrWhiteSpace(path)) throw new DaemonConfigException("store.path", "must not be empty");
        if (Directory.Exists(path)) throw new DaemonConfigException("store.path", $"'{path}' is a directory; give the path of the database file (e.g. {Path.Combine(path, "bifrost.db")})");
        if (path.IndexOfAny(['\0', '\n']) >= 0) throw new DaemonConfigException("store.path", "must not contain NUL or newline characters");
        var durability = Text(s, "store", "durability", "process_crash") switch
        {
            "process_crash" => Bifrost.Store.Durability.ProcessCrash,
            "power_loss" => Bifrost.Store.Durability.PowerLoss,
            var other => throw new DaemonConfigException("store.durability", $"expected process_crash or power_loss, got '{other}'"),
        };
        var retentionDays = Int(s, "store", "retention_days", 30);
        if (retentionDays is < 1 or > 36_500) throw new DaemonConfigException("store.retention_days", $"must be in 1..36500, got {retentionDays}");
        var finalFlush = Seconds(s, "store", "final_flush_seconds", 5);
        // 0 = do not wait (the next start fills them in); bounded so a stop stays within systemd's TimeoutStopSec.
        var commissionWait = Number(s, "store", "commission_wait_seconds", StoreSettings.DefaultCommissionWaitSeconds);
        if (commissionWait is < 0 or > StoreSettings.MaxCommissionWaitSeconds)
            throw new DaemonConfigException("store.commission_wait_seconds", $"must be in [0, {StoreSettings.MaxCommissionWaitSeconds}] seconds, got {commissionWait}");
        return new StoreSettings(path, durability, retentionDays, finalFlush, TimeSpan.FromSeconds(commissionWait));
    }

    /// <summary>daemon.lock_dir: where the per-account lock lives; every daemon on the host must use the same one.</summary>
    private static string ReadLockDirectory(JsonObject s)
    {
        var dir = Text(s, "daemon", "lock_dir", null);
        if (dir is null) return Bifrost.Store.Locking.AccountLock.DefaultDirectory();
        if (string.IsNullOrWhiteSpace(dir)) throw new DaemonConfigException("daemon.lock_dir", "must not be empty");
        if (File.Exists(dir)) throw new DaemonConfigException("daemon.lock_dir", $"'{dir}' is a file, not a directory");
        return Path.GetFullPath(dir);
    }

    private static DaemonTimings ReadDaemon(JsonObject s)
    {
        CheckKeys(s, "daemon", "clock", "clock_poll_ms", "reconnect_min_seconds", "reconnect_max_seconds", "control_poll_ms",
            "history_seconds", "channel_capacity", "tws_restart_window", "lock_dir", "clock_step_seconds", "control_max_age_seconds");
        var clock = Text(s, "daemon", "clock", "system") switch
        {
            "system" => ClockSource.System,
            "broker" => ClockSource.Broker,
            var other => throw new DaemonConfigException("daemon.clock", $"expected system or broker, got '{other}'"),
        };
        var min = Seconds(s, "daemon", "reconnect_min_seconds", 1);
        var max = Seconds(s, "daemon", "reconnect_max_seconds", 60);
        if (max < min) throw new DaemonConfigException("daemon.reconnect_max_seconds", "must be >= daemon.reconnect_min_seconds");
        var capacity = Int(s, "daemon", "channel_capacity", 65_536);
        if (capacity < 16) throw new DaemonConfigException("daemon.channel_capacity", $"must be >= 16, got {capacity}");
        (int, int)? window = null;
        if (s["tws_restart_window"] is { } w)
        {
            if (w is not JsonArray { Count: 2 } a || a[0]?.GetValueKind() != JsonValueKind.String || a[1]?.GetValueKind() != JsonValueKind.String)
                throw new DaemonConfigException("daemon.tws_restart_window", "must be [\"HH:mm\", \"HH:mm\"] in the calendar's zone");
            window = (Minute(a[0]!.GetValue<string>()), Minute(a[1]!.GetValue<string>()));
        }
        return new DaemonTimings(clock, Millis(s, "daemon", "clock_poll_ms", 250), min, max, Millis(s, "daemon", "control_poll_ms", 200),
            Seconds(s, "daemon", "history_seconds", 60), capacity, window)
        {
            ClockStepTolerance = Seconds(s, "daemon", "clock_step_seconds", DaemonTimings.DefaultClockStepSeconds),
            ControlMaxAge = Seconds(s, "daemon", "control_max_age_seconds", DaemonTimings.DefaultControlMaxAgeSeconds),
        };

        static int Minute(string text) =>
            TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
                ? t.Hour * 60 + t.Minute
                : throw new DaemonConfigException("daemon.tws_restart_window", $"expected HH:mm, got '{text}'");
    }

    internal static string? Text(JsonObject s, string section, string key, string? fallback) =>
        s[key] switch
        {
            null => fallback,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            var other => throw new DaemonConfigException($"{section}.{key}", $"must be a string, got {other.GetValueKind()}"),
        };

    internal static int Int(JsonObject s, string section, string key, int fallback) =>
        s[key] switch
        {
            null => fallback,
            JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i) => i,
            JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue => (int)d,
            var other => throw new DaemonConfigException($"{section}.{key}", $"must be a whole number, got {other.ToJsonString()}"),
        };

    internal static double Number(JsonObject s, string section, string key, double fallback) =>
        s[key] switch
        {
            null => fallback,
            JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) && double.IsFinite(d) => d,
            var other => throw new DaemonConfigException($"{section}.{key}", $"must be a number, got {other.ToJsonString()}"),
        };

    private static bool Bool(JsonObject s, string section, string key, bool fallback) =>
        s[key] switch
        {
            null => fallback,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            var other => throw new DaemonConfigException($"{section}.{key}", $"must be true or false, got {other.ToJsonString()}"),
        };

    /// <summary>The longest duration any key accepts (one day): keeps TimeSpan and timer arithmetic finite.</summary>
    public const double MaxSeconds = 86_400;

    internal static TimeSpan Seconds(JsonObject s, string section, string key, double fallback)
    {
        var v = Number(s, section, key, fallback);
        if (v is <= 0 or > MaxSeconds) throw new DaemonConfigException($"{section}.{key}", $"must be in (0, {MaxSeconds}] seconds, got {v}");
        return TimeSpan.FromSeconds(v);
    }

    private static TimeSpan Millis(JsonObject s, string section, string key, double fallback)
    {
        var v = Number(s, section, key, fallback);
        if (v is < 1 or > MaxSeconds * 1000) throw new DaemonConfigException($"{section}.{key}", $"must be in [1, {MaxSeconds * 1000}] ms, got {v}");
        return TimeSpan.FromMilliseconds(v);
    }
}
