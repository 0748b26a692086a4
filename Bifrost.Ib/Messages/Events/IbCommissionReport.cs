using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// <c>[59, 1, execId, commission, currency, realizedPNL, yield, yieldRedemptionDate]</c>. Join on execId; may arrive late.
/// realizedPNL/yield are MAX_DBL (null here) when not applicable, e.g. on opening fills.
/// </summary>
public sealed record IbCommissionReport(string ExecId, double Commission, string Currency, double? RealizedPnl,
    double? Yield, int YieldRedemptionDate) : IIbServerMessage, IIbDecodable<IbCommissionReport>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.CommissionReport);
        w.Write(1);
        w.Write(ExecId);
        w.Write(Commission);
        w.Write(Currency);
        w.WriteOrMax(RealizedPnl); // TWS sends the MAX_DBL literal here, not ∅
        w.WriteOrMax(Yield);
        if (YieldRedemptionDate == 0) w.WriteEmpty(); else w.Write(YieldRedemptionDate);
    }

    public static IbCommissionReport Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbCommissionReport(r.ReadString(), r.ReadDouble(), r.ReadString(), r.ReadDoubleMax(), r.ReadDoubleMax(), r.ReadInt());
    }
}
