using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary><c>[63, 1, reqId]</c>. No reply.</summary>
public sealed record IbCancelAccountSummary(int ReqId) : IIbRequest, IIbDecodable<IbCancelAccountSummary>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.CancelAccountSummary);
        w.Write(1);
        w.Write(ReqId);
    }

    public static IbCancelAccountSummary Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbCancelAccountSummary(r.ReadInt());
    }
}
