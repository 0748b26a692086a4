using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Server;

/// <summary>Settings of the server side of a session (the replay gateway's half).</summary>
public sealed record IbServerOptions
{
    /// <summary>
    /// The connection time sent in the handshake reply (<c>yyyyMMdd HH:mm:ss zone</c>). A function so the gateway can use its
    /// simulation clock; the default reads the system clock in UTC.
    /// </summary>
    public Func<string> ConnectionTime { get; init; } =
        () => DateTime.UtcNow.ToString("yyyyMMdd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC";

    /// <summary>Hello + startApi must arrive within this, or the socket is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int MaxFrameBytes { get; init; } = IbProtocol.DefaultMaxFrameBytes;
}
