using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>Open orders of this client id; answered by openOrder+orderStatus per order, then openOrderEnd — <c>[5, 1]</c>.</summary>
public sealed record IbReqOpenOrders : IIbRequest, IIbDecodable<IbReqOpenOrders>
{
    public static readonly IbReqOpenOrders Instance = new();

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqOpenOrders);
        w.Write(1);
    }

    public static IbReqOpenOrders Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return Instance;
    }
}
