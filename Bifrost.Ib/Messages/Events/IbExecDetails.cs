using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// execDetails (reference §6.9), 32 fields, no version field: <c>[11, reqId, orderId, contract(11), execId, time, acctNumber,
/// exchange, side, shares, price, permId, clientId, liquidation, cumQty, avgPrice, orderRef, evRule, evMultiplier, modelCode,
/// lastLiquidity, pendingPriceRevision]</c>. ReqId −1 = a live fill; otherwise the reqExecutions id.
/// </summary>
public sealed record IbExecDetails(int ReqId, IbContract Contract, IbExecution Execution) : IIbServerMessage, IIbDecodable<IbExecDetails>
{
    public void Encode(IbFieldWriter w)
    {
        var e = Execution;
        w.Write(IbServerMessageId.ExecDetails);
        w.Write(ReqId);
        w.Write(e.OrderId);
        IbContractCodec.WriteReported(w, Contract);
        w.Write(e.ExecId);
        w.Write(e.Time);
        w.Write(e.AcctNumber);
        w.Write(e.Exchange);
        w.Write(e.Side);
        w.Write(e.Shares);
        w.Write(e.Price);
        w.Write(e.PermId);
        w.Write(e.ClientId);
        w.Write(e.Liquidation);
        w.Write(e.CumQty);
        w.Write(e.AvgPrice);
        w.Write(e.OrderRef);
        w.Write(e.EvRule);
        w.Write(e.EvMultiplier);
        w.Write(e.ModelCode);
        w.Write(e.LastLiquidity);
        w.Write(e.PendingPriceRevision);
    }

    public static IbExecDetails Decode(ref IbFieldReader r)
    {
        int reqId = r.ReadInt();
        int orderId = r.ReadInt();
        var contract = IbContractCodec.ReadReported(ref r);
        var execution = new IbExecution
        {
            OrderId = orderId,
            ExecId = r.ReadString(),
            Time = r.ReadString(),
            AcctNumber = r.ReadString(),
            Exchange = r.ReadString(),
            Side = r.ReadString(),
            Shares = r.ReadDecimal(),
            Price = r.ReadDouble(),
            PermId = r.ReadLong(),
            ClientId = r.ReadInt(),
            Liquidation = r.ReadInt(),
            CumQty = r.ReadDecimal(),
            AvgPrice = r.ReadDouble(),
            OrderRef = r.ReadString(),
            EvRule = r.ReadString(),
            EvMultiplier = r.ReadDoubleMax(),
            ModelCode = r.ReadString(),
            LastLiquidity = r.ReadInt(),
            PendingPriceRevision = r.ReadBool(),
        };
        return new IbExecDetails(reqId, contract, execution);
    }
}
