using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>Asks for TWS's clock; answered by currentTime — <c>[49, 1]</c>.</summary>
public sealed record IbReqCurrentTime : IIbRequest, IIbDecodable<IbReqCurrentTime>
{
    public static readonly IbReqCurrentTime Instance = new();

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqCurrentTime);
        w.Write(1);
    }

    public static IbReqCurrentTime Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return Instance;
    }
}
