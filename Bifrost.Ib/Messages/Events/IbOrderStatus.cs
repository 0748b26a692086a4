using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// <c>[3, orderId, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice, clientId, whyHeld, mktCapPrice]</c>
/// (reference §6.6). Each one is a state snapshot: duplicates are normal.
/// </summary>
public sealed record IbOrderStatus(int OrderId, string Status, decimal? Filled, decimal? Remaining, double AvgFillPrice,
    long PermId, int ParentId, double LastFillPrice, int ClientId, string WhyHeld, double MktCapPrice)
    : IIbServerMessage, IIbDecodable<IbOrderStatus>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.OrderStatus);
        w.Write(OrderId);
        w.Write(Status);
        w.Write(Filled);
        w.Write(Remaining);
        w.Write(AvgFillPrice);
        w.Write(PermId);
        w.Write(ParentId);
        w.Write(LastFillPrice);
        w.Write(ClientId);
        w.Write(WhyHeld);
        w.Write(MktCapPrice);
    }

    public static IbOrderStatus Decode(ref IbFieldReader r) => new(
        r.ReadInt(), r.ReadString(), r.ReadDecimal(), r.ReadDecimal(), r.ReadDouble(), r.ReadLong(), r.ReadInt(),
        r.ReadDouble(), r.ReadInt(), r.ReadString(), r.ReadDouble());
}
