using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// <c>[7, 8, contract(11, primaryExchange in place of exchange), position, marketPrice, marketValue, averageCost,
/// unrealizedPNL, realizedPNL, accountName]</c> (20 fields). Version 8 is required by decoders that branch on it.
/// </summary>
public sealed record IbUpdatePortfolio(IbContract Contract, decimal? Position, double MarketPrice, double MarketValue,
    double AverageCost, double UnrealizedPnl, double RealizedPnl, string AccountName)
    : IIbServerMessage, IIbDecodable<IbUpdatePortfolio>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.UpdatePortfolio);
        w.Write(8);
        IbContractCodec.WriteReported(w, Contract, primaryExchange: true);
        w.Write(Position);
        w.Write(MarketPrice);
        w.Write(MarketValue);
        w.Write(AverageCost);
        w.Write(UnrealizedPnl);
        w.Write(RealizedPnl);
        w.Write(AccountName);
    }

    public static IbUpdatePortfolio Decode(ref IbFieldReader r)
    {
        r.Skip();
        var contract = IbContractCodec.ReadReported(ref r, primaryExchange: true);
        return new IbUpdatePortfolio(contract, r.ReadDecimal(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(),
            r.ReadDouble(), r.ReadDouble(), r.ReadString());
    }
}
