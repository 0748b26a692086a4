using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>
/// <c>[7, 3, reqId, clientId, acctCode, time, symbol, secType, exchange, side]</c>: today's executions matching the filter,
/// as execDetails (with this reqId) and commissionReports, then execDetailsEnd.
/// </summary>
public sealed record IbReqExecutions(int ReqId, IbExecutionFilter Filter) : IIbRequest, IIbDecodable<IbReqExecutions>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqExecutions);
        w.Write(3);
        w.Write(ReqId);
        w.Write(Filter.ClientId);
        w.Write(Filter.AcctCode);
        w.Write(Filter.Time);
        w.Write(Filter.Symbol);
        w.Write(Filter.SecType);
        w.Write(Filter.Exchange);
        w.Write(Filter.Side);
    }

    public static IbReqExecutions Decode(ref IbFieldReader r)
    {
        r.Skip();
        int reqId = r.ReadInt();
        return new IbReqExecutions(reqId, new IbExecutionFilter
        {
            ClientId = r.ReadInt(), AcctCode = r.ReadString(), Time = r.ReadString(), Symbol = r.ReadString(),
            SecType = r.ReadString(), Exchange = r.ReadString(), Side = r.ReadString(),
        });
    }
}
