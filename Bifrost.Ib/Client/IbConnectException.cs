namespace Bifrost.Ib.Client;

/// <summary>Connecting failed: socket refused (502), TWS too old, handshake timeout, or closed before readiness.</summary>
public sealed class IbConnectException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A request was made while not connected (IB's client-side code 504).</summary>
public sealed class IbNotConnectedException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
