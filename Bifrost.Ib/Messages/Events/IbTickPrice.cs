using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// <c>[1, 6, tickerId, tickType, price, size, attrMask]</c> (reference §6.1). A struct so the hottest message decodes without
/// allocating. Price −1 with size 0 on bid/ask means "no quote on that side". Size is meaningful for types 1/2/4 and the
/// delayed 66/67/68 (official clients derive a tickSize event from it; we leave that to the consumer).
/// </summary>
public readonly record struct IbTickPrice(int TickerId, int TickType, double Price, decimal? Size, int AttrMask)
    : IIbServerMessage, IIbDecodable<IbTickPrice>
{
    public bool CanAutoExecute => (AttrMask & 1) != 0;
    public bool PastLimit => (AttrMask & 2) != 0;
    public bool PreOpen => (AttrMask & 4) != 0;

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.TickPrice);
        w.Write(6);
        w.Write(TickerId);
        w.Write(TickType);
        w.Write(Price);
        w.Write(Size);
        w.Write(AttrMask);
    }

    public static IbTickPrice Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbTickPrice(r.ReadInt(), r.ReadInt(), r.ReadDouble(), r.ReadDecimal(), r.ReadInt());
    }
}
