using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// openOrder at 193 (reference §6.7): 141 fields as TWS sends a plain order (133 when deltaNeutralOrderType is ∅), no
/// version field. For the daemon only a few fields matter (orderId, contract, action, quantity, type, prices, account,
/// orderRef, clientId, permId, parentId, status, warningText), but the walk in <see cref="IbOpenOrderCodec"/> consumes all.
/// </summary>
public sealed record IbOpenOrder(int OrderId, IbContract Contract, IbOrder Order, IbOrderState State)
    : IIbServerMessage, IIbDecodable<IbOpenOrder>
{
    public void Encode(IbFieldWriter w) => IbOpenOrderCodec.Write(w, this);

    public static IbOpenOrder Decode(ref IbFieldReader r) => IbOpenOrderCodec.Read(ref r);
}
