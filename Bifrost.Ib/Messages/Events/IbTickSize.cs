using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[2, 6, tickerId, tickType, size]</c>: 0 bid size, 3 ask size, 5 last size, 8 volume, … (reference §6.2).</summary>
public readonly record struct IbTickSize(int TickerId, int TickType, decimal? Size) : IIbServerMessage, IIbDecodable<IbTickSize>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.TickSize);
        w.Write(6);
        w.Write(TickerId);
        w.Write(TickType);
        w.Write(Size);
    }

    public static IbTickSize Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbTickSize(r.ReadInt(), r.ReadInt(), r.ReadDecimal());
    }
}
