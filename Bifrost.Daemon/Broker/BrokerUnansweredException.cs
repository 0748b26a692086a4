namespace Bifrost.Daemon.Broker;

/// <summary>
/// A start-up lookup (a contract's id or terms) the broker did not answer on this connection: a slow or dropped TWS,
/// not a wrong configuration. The start is tried again on the next connection; exiting 2 ("refused, do not restart")
/// left the book unhedged until someone looked.
/// </summary>
public sealed class BrokerUnansweredException(string message, Exception inner) : Exception(message, inner)
{
    /// <summary>Did the broker fail to answer (as opposed to answering "no")?</summary>
    public static bool IsUnanswered(Exception e) => e is TimeoutException or BrokerUnavailableException;
}
