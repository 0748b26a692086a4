namespace Bifrost.Daemon.Broker;

/// The broker's error answering a request (reqContractDetails): its code kept, so a caller tells "no such contract"
/// (200) from any other refusal without reading the text.
public sealed class BrokerRequestRefused(int code, string message) : InvalidOperationException($"{code} {message}")
{
    public int Code { get; } = code;
}
