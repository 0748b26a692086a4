namespace Bifrost.Daemon.Alerts;

/// <summary>One way of reaching the operator. <see cref="SendAsync"/> either delivers or throws <see cref="DeliveryFailedException"/>
/// with the reason; it must give up at its own timeout (the caller also cancels).</summary>
public interface IAlertChannel
{
    string Name { get; }

    Task SendAsync(string json, CancellationToken ct);
}

/// <summary>A delivery attempt failed; the message is the reason recorded in alert_deliveries.</summary>
public sealed class DeliveryFailedException(string reason, Exception? inner = null) : Exception(reason, inner);
