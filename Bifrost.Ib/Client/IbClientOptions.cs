using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Client;

/// <summary>Settings of <see cref="IbClient"/>; the defaults suit a local TWS/Gateway.</summary>
public sealed record IbClientOptions
{
    /// <summary>Both the handshake and readiness (managedAccounts + nextValidId) must finish within this.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Frames above this size are a protocol error (no allocation happens first).</summary>
    public int MaxFrameBytes { get; init; } = IbProtocol.DefaultMaxFrameBytes;

    /// <summary>Connect options appended to the version offer (e.g. "+PACEAPI"); none by default.</summary>
    public string ConnectOptions { get; init; } = "";

    /// <summary>Free text sent in startApi; normally empty.</summary>
    public string OptionalCapabilities { get; init; } = "";

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Pacing bucket; defaults to at most 45 messages per rolling second.</summary>
    public int PacingBurst { get; init; } = 5;

    public double PacingRatePerSecond { get; init; } = 40;

    public IIbLog Log { get; init; } = IbNullLog.Instance;

    /// <summary>
    /// True: requests are written by a dedicated thread per session (encoded and queued by the caller, written in queue
    /// order with a synchronous send); a send returns once its frame is queued and a failed write ends the session (a
    /// disconnect). Off by default, keeping a send's meaning (returned = written): on the 2-core reference machine the
    /// hand-over cost more than it took off the caller in process (tick-to-placeOrder-written p50 ×2, p99 ×2.4–3.7),
    /// while on loopback the median was about half (README "Performance"). The caller's path completes synchronously
    /// when the socket takes the frame at once.
    /// </summary>
    public bool DedicatedSender { get; init; }

    /// <summary>Diagnostics (latency probes): called after each request's bytes were written, on the writing thread.</summary>
    public Action<Messages.IIbRequest>? Sent { get; init; }
}
