using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[81, tickerId, minTick, bboExchange, snapshotPermissions]</c>: once per reqMktData, before the ticks.</summary>
public sealed record IbTickReqParams(int TickerId, double MinTick, string BboExchange, int SnapshotPermissions)
    : IIbServerMessage, IIbDecodable<IbTickReqParams>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.TickReqParams);
        w.Write(TickerId);
        w.Write(MinTick);
        w.Write(BboExchange);
        w.Write(SnapshotPermissions);
    }

    public static IbTickReqParams Decode(ref IbFieldReader r) => new(r.ReadInt(), r.ReadDouble(), r.ReadString(), r.ReadInt());
}
