using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[57, 1, reqId]</c>: end of a snapshot reqMktData.</summary>
public sealed record IbTickSnapshotEnd(int ReqId) : IIbServerMessage, IIbDecodable<IbTickSnapshotEnd>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.TickSnapshotEnd);
        w.Write(1);
        w.Write(ReqId);
    }

    public static IbTickSnapshotEnd Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return new IbTickSnapshotEnd(r.ReadInt());
    }
}
