using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[64, 1, reqId]</c>: end of the first accountSummary batch (updates continue).</summary>
public sealed record IbAccountSummaryEnd(int ReqId) : IIbServerMessage, IIbDecodable<IbAccountSummaryEnd>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.AccountSummaryEnd);
        w.Write(1);
        w.Write(ReqId);
    }

    public static IbAccountSummaryEnd Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return new IbAccountSummaryEnd(r.ReadInt());
    }
}
