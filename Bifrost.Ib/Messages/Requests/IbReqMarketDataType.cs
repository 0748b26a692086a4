using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary><c>[59, 1, type]</c>: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen. No direct reply.</summary>
public sealed record IbReqMarketDataType(int MarketDataType) : IIbRequest, IIbDecodable<IbReqMarketDataType>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqMarketDataType);
        w.Write(1);
        w.Write(MarketDataType);
    }

    public static IbReqMarketDataType Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbReqMarketDataType(r.ReadInt());
    }
}
