using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>Open orders of all clients and manual TWS orders, then openOrderEnd — <c>[16, 1]</c>.</summary>
public sealed record IbReqAllOpenOrders : IIbRequest, IIbDecodable<IbReqAllOpenOrders>
{
    public static readonly IbReqAllOpenOrders Instance = new();

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqAllOpenOrders);
        w.Write(1);
    }

    public static IbReqAllOpenOrders Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return Instance;
    }
}
