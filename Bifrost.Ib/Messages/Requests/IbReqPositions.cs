using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>Position snapshot (position… positionEnd), then live updates until cancelPositions — <c>[61, 1]</c>.</summary>
public sealed record IbReqPositions : IIbRequest, IIbDecodable<IbReqPositions>
{
    public static readonly IbReqPositions Instance = new();

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqPositions);
        w.Write(1);
    }

    public static IbReqPositions Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return Instance;
    }
}
