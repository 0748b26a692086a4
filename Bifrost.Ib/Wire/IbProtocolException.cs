namespace Bifrost.Ib.Wire;

/// <summary>
/// The peer sent bytes that do not follow the protocol (bad length, truncated frame, unparsable field, wrong field count).
/// Every parsing failure in this library surfaces as this one type, so a reader loop has exactly one thing to catch and
/// turn into a protocol-error event; anything else escaping is a bug.
/// </summary>
public sealed class IbProtocolException(string message) : Exception(message);
