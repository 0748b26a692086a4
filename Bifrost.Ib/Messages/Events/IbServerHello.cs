using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// The handshake reply: one frame with exactly two fields and no message id — the chosen server version and TWS's
/// connection time (<c>yyyyMMdd HH:mm:ss zone</c>, opaque text). Reference §2.2.
/// </summary>
public sealed record IbServerHello(int ServerVersion, string ConnectionTime) : IIbServerMessage, IIbDecodable<IbServerHello>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(ServerVersion);
        w.Write(ConnectionTime);
    }

    public static IbServerHello Decode(ref IbFieldReader r) => new(r.ReadInt(), r.ReadString());
}
