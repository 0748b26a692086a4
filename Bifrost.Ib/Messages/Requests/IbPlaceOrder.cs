using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>
/// placeOrder (reference §5.4): 118 fields for a plain MKT/LMT order at server version 193, no version field. The same
/// order id again means "modify". The layout walk lives in <see cref="IbPlaceOrderCodec"/>.
/// </summary>
public sealed record IbPlaceOrder(int OrderId, IbContract Contract, IbOrder Order) : IIbRequest, IIbDecodable<IbPlaceOrder>
{
    public void Encode(IbFieldWriter w) => IbPlaceOrderCodec.Write(w, this);

    public static IbPlaceOrder Decode(ref IbFieldReader r) => IbPlaceOrderCodec.Read(ref r);
}
