using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary><c>[2, 2, tickerId]</c> (stoqey sends version 1; both are accepted). No reply.</summary>
public sealed record IbCancelMktData(int TickerId) : IIbRequest, IIbDecodable<IbCancelMktData>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.CancelMktData);
        w.Write(2);
        w.Write(TickerId);
    }

    public static IbCancelMktData Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbCancelMktData(r.ReadInt());
    }
}
