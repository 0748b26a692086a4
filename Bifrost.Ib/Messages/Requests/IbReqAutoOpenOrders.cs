using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary><c>[15, 1, autoBind]</c>: client id 0 only; binds manual TWS orders to the API.</summary>
public sealed record IbReqAutoOpenOrders(bool AutoBind) : IIbRequest, IIbDecodable<IbReqAutoOpenOrders>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqAutoOpenOrders);
        w.Write(1);
        w.Write(AutoBind);
    }

    public static IbReqAutoOpenOrders Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbReqAutoOpenOrders(r.ReadBool());
    }
}
