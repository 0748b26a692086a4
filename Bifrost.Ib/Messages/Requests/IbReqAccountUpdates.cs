using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>
/// <c>[6, 2, subscribe, acctCode]</c>: updateAccountValue…, updatePortfolio…, updateAccountTime, accountDownloadEnd, then
/// periodic updates until sent again with subscribe 0. One account at a time.
/// </summary>
public sealed record IbReqAccountUpdates(bool Subscribe, string AccountCode) : IIbRequest, IIbDecodable<IbReqAccountUpdates>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqAccountUpdates);
        w.Write(2);
        w.Write(Subscribe);
        w.Write(AccountCode);
    }

    public static IbReqAccountUpdates Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbReqAccountUpdates(r.ReadBool(), r.ReadString());
    }
}
