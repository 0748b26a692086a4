using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Logging;

// ---- 7xxx alert delivery (the notifier)
internal static partial class Log
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "alerts go to {Channels} (min severity {MinSeverity}, {Retries} retries)")]
    public static partial void NotifierStarted(ILogger logger, string channels, string minSeverity, int retries);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "alert {Code} delivered to {Channel} (attempt {Attempt})")]
    public static partial void AlertDelivered(ILogger logger, string code, string channel, int attempt);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "alert {Code} to {Channel}: attempt {Attempt} failed: {Reason}")]
    public static partial void AlertAttemptFailed(ILogger logger, string code, string channel, int attempt, string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Error, Message = "alert {Code} NOT delivered to {Channel} after {Attempts} attempt(s): {Reason}")]
    public static partial void AlertNotDelivered(ILogger logger, string code, string channel, int attempts, string reason);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Error, Message = "alert {Code} NOT delivered to {Channel}: its queue is full ({Capacity} waiting)")]
    public static partial void AlertDropped(ILogger logger, string code, string channel, int capacity);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Critical, Message = "the alert notifier failed (an outcome may be unrecorded)")]
    public static partial void NotifierFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Warning, Message = "no alert notifier configured: alerts are only written to the store (set alerts.notifiers)")]
    public static partial void NoNotifier(ILogger logger);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Error, Message = "alert {Code} to {Channel}: the delivery failed unexpectedly (recorded as failed; later alerts are still sent)")]
    public static partial void DeliveryCrashed(ILogger logger, string code, string channel, Exception error);

    [LoggerMessage(EventId = 7009, Level = LogLevel.Error, Message = "alert channel {Channel} is NOT delivering: {Reason} (the light shows alerts_delivered)")]
    public static partial void AlertChannelFailing(ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Information, Message = "alert channel {Channel} delivers again")]
    public static partial void AlertChannelRecovered(ILogger logger, string channel);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Warning, Message = "re-sending {Count} alert(s) {Channel} never got (from before this start)")]
    public static partial void AlertsResent(ILogger logger, int count, string channel);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Warning, Message = "re-sending {Count} alert(s) {Channel} failed, now that it delivers again")]
    public static partial void AlertsOwedResent(ILogger logger, int count, string channel);

    [LoggerMessage(EventId = 7013, Level = LogLevel.Information, Message = "alert {Code} not sent to {Channel}: the operator acknowledged it before the channel got to it")]
    public static partial void AlertAcknowledgedNotSent(ILogger logger, string code, string channel);
}
