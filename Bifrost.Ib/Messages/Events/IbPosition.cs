using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// <c>[61, 3, account, contract(11), position, avgCost]</c>. Position negative = short; avgCost per unit including the
/// multiplier for options. A closed position arrives with position 0.
/// </summary>
public sealed record IbPosition(string Account, IbContract Contract, decimal? Position, double AvgCost)
    : IIbServerMessage, IIbDecodable<IbPosition>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.Position);
        w.Write(3);
        w.Write(Account);
        IbContractCodec.WriteReported(w, Contract);
        w.Write(Position);
        w.Write(AvgCost);
    }

    public static IbPosition Decode(ref IbFieldReader r)
    {
        r.Skip();
        string account = r.ReadString();
        var contract = IbContractCodec.ReadReported(ref r);
        return new IbPosition(account, contract, r.ReadDecimal(), r.ReadDouble());
    }
}
