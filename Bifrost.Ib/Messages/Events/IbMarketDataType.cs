using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[58, 1, tickerId, type]</c>: which data type a ticker actually gets (1 live, 2 frozen, 3 delayed, 4 delayed-frozen).</summary>
public sealed record IbMarketDataType(int ReqId, int MarketDataType) : IIbServerMessage, IIbDecodable<IbMarketDataType>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.MarketDataType);
        w.Write(1);
        w.Write(ReqId);
        w.Write(MarketDataType);
    }

    public static IbMarketDataType Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbMarketDataType(r.ReadInt(), r.ReadInt());
    }
}
