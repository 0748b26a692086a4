using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>
/// <c>[62, 1, reqId, group, tags]</c>, e.g. group <c>All</c>, tags <c>NetLiquidation,TotalCashValue</c> (no spaces).
/// Answered by accountSummary… accountSummaryEnd, then updates until cancelAccountSummary; at most two at a time.
/// </summary>
public sealed record IbReqAccountSummary(int ReqId, string Group, string Tags) : IIbRequest, IIbDecodable<IbReqAccountSummary>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqAccountSummary);
        w.Write(1);
        w.Write(ReqId);
        w.Write(Group);
        w.Write(Tags);
    }

    public static IbReqAccountSummary Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbReqAccountSummary(r.ReadInt(), r.ReadString(), r.ReadString());
    }
}
