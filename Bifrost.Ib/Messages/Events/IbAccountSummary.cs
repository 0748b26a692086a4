using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[63, 1, reqId, account, tag, value, currency]</c>; value is text (AccountType is not a number).</summary>
public sealed record IbAccountSummary(int ReqId, string Account, string Tag, string Value, string Currency)
    : IIbServerMessage, IIbDecodable<IbAccountSummary>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.AccountSummary);
        w.Write(1);
        w.Write(ReqId);
        w.Write(Account);
        w.Write(Tag);
        w.Write(Value);
        w.Write(Currency);
    }

    public static IbAccountSummary Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbAccountSummary(r.ReadInt(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadString());
    }
}
