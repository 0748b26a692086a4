using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Logging;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Alerts;

/// <summary>Builds the daemon's <see cref="AlertNotifier"/> from the "alerts" section, recording outcomes in the store.</summary>
public static class Notifiers
{
    /// <param name="channelHealth">told (channel, last error) when a channel stops delivering, (channel, null) when it delivers again</param>
    public static AlertNotifier Create(DaemonSettings settings, HttpClient http, StoreWriter store, ILogger logger, Action<string, string?>? channelHealth = null)
    {
        var a = settings.Alerts;
        var channels = a.Notifiers.Select(n => n switch
        {
            CommandNotifierSettings c => (IAlertChannel)new CommandChannel(c),
            WebhookNotifierSettings w => new WebhookChannel(w, http),
            _ => throw new InvalidOperationException($"unknown notifier {n.GetType().Name}"),
        }).ToList();
        if (channels.Count == 0) Log.NoNotifier(logger);
        else Log.NotifierStarted(logger, string.Join(", ", a.Notifiers.Select(n => n.MinSeverity is { } m ? $"{n.Name} ({EnumText<AlertSeverity>.ToText(m)} and above)" : n.Name)), EnumText<AlertSeverity>.ToText(a.MinSeverity), a.Retries);
        var cfg = settings.Preview;
        var notifier = new AlertNotifier(a, channels, (handle, delivery) => store.RecordDelivery(handle, delivery),
            new AlertJson(cfg.Account, cfg.Mode.IsLive ? "live" : "paper", cfg.RunId), logger, channelHealth, acknowledged: AcknowledgedIn(settings.Store.Path));
        ResendUndelivered(notifier, a, settings.Store.Path, Bifrost.Daemon.Engine.EngineClock.WallNanos(), logger);
        return notifier;
    }

    /// <summary>Whether an alert is acknowledged in the store at <paramref name="storePath"/> (the console writes it there):
    /// asked only before an owed alert is sent again. A store it cannot read answers false: a page too many, never one lost.</summary>
    public static Func<long, bool> AcknowledgedIn(string storePath) => id =>
    {
        try
        {
            using var reader = Bifrost.Store.ReadModel.StoreReader.Open(storePath);
            return reader.IsAlertAcknowledged(id);
        }
        catch (Bifrost.Store.StoreUnavailableException)
        {
            return false;
        }
    };

    /// <summary>How far back a starting daemon looks for alerts a channel never got.</summary>
    public static readonly TimeSpan ResendWindow = TimeSpan.FromHours(24);

    /// <summary>Queues again, per channel, the alerts of the last <see cref="ResendWindow"/> (unacknowledged, at or above
    /// the channel's min_severity) that channel has no sent delivery for: a kill -9 or crash mid-delivery must not lose a page.
    /// They keep their alert id, so a receiver can tell a re-send from a new alert.</summary>
    public static void ResendUndelivered(AlertNotifier notifier, AlertSettings a, string storePath, long nowNanos, ILogger logger)
    {
        if (a.Notifiers.Count == 0 || !File.Exists(storePath)) return;
        using var reader = Bifrost.Store.ReadModel.StoreReader.Open(storePath);
        foreach (var n in a.Notifiers)
        {
            var owed = reader.GetAlertsNotSentTo(n.Name, nowNanos - ResendWindow.Ticks * 100).Where(x => x.Severity >= a.MinFor(n.Name)).ToList();
            if (owed.Count == 0) continue;
            Log.AlertsResent(logger, owed.Count, n.Name);
            notifier.Resend(n.Name, owed);
        }
    }

    /// <summary>How long a stopping daemon waits for deliveries in flight: one attempt of the slowest channel, at most 10 s.</summary>
    public static TimeSpan DrainBound(AlertSettings a) =>
        a.Notifiers.Count == 0 ? TimeSpan.Zero
            : TimeSpan.FromTicks(Math.Min(a.Notifiers.Max(n => n.Timeout).Ticks + TimeSpan.TicksPerSecond, TimeSpan.FromSeconds(10).Ticks));
}
