using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary><c>[8, 1, numIds]</c>: numIds is ignored by TWS (send 1); answered by nextValidId.</summary>
public sealed record IbReqIds(int NumIds = 1) : IIbRequest, IIbDecodable<IbReqIds>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqIds);
        w.Write(1);
        w.Write(NumIds);
    }

    public static IbReqIds Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbReqIds(r.ReadInt());
    }
}
