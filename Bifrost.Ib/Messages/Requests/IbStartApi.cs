using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>First framed message after the handshake: <c>[71, 2, clientId, optionalCapabilities]</c> (reference §2.3).</summary>
public sealed record IbStartApi(int ClientId, string OptionalCapabilities = "") : IIbRequest, IIbDecodable<IbStartApi>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.StartApi);
        w.Write(2);
        w.Write(ClientId);
        w.Write(OptionalCapabilities);
    }

    public static IbStartApi Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbStartApi(r.ReadInt(), r.ReadString());
    }
}
