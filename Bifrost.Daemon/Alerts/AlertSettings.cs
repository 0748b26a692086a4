using Bifrost.Store.Records;

namespace Bifrost.Daemon.Alerts;

/// <summary>One delivery channel from the "alerts.notifiers" list; <see cref="Name"/> is what alert_deliveries.channel records.</summary>
public abstract record NotifierSettings(string Name, TimeSpan Timeout)
{
    /// <summary>The channel's own "min_severity" (a pager for criticals beside a mailbox for everything); null: the section's.</summary>
    public AlertSeverity? MinSeverity { get; init; }
}

/// <summary><c>{"type": "command", "command": ["/path/prog", "arg"], "timeout_seconds": 5}</c>: the alert as JSON on stdin.</summary>
public sealed record CommandNotifierSettings(string Name, IReadOnlyList<string> Command, TimeSpan Timeout) : NotifierSettings(Name, Timeout);

/// <summary><c>{"type": "webhook", "url": "https://…", "timeout_seconds": 5}</c>: the alert as a JSON POST.</summary>
public sealed record WebhookNotifierSettings(string Name, Uri Url, TimeSpan Timeout) : NotifierSettings(Name, Timeout);

/// <summary>The "alerts" section: every alert at or above <see cref="MinSeverity"/> (or a notifier's own) goes to every notifier, retried
/// <see cref="Retries"/> times with backoff from <see cref="Backoff"/> (doubling), through a queue of <see cref="QueueCapacity"/>.</summary>
public sealed record AlertSettings(
    IReadOnlyList<NotifierSettings> Notifiers,
    int Retries,
    TimeSpan Backoff,
    AlertSeverity MinSeverity,
    int QueueCapacity)
{
    public static readonly AlertSettings None = new([], 3, TimeSpan.FromSeconds(1), AlertSeverity.Info, 1000);

    /// <summary>The least severity the channel named is sent: its own "min_severity", else the section's.</summary>
    public AlertSeverity MinFor(string channel) => Notifiers.FirstOrDefault(n => n.Name == channel)?.MinSeverity ?? MinSeverity;
}
