using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[9, 1, orderId]</c>: the next order id this client id may use; also the reply to reqIds.</summary>
public sealed record IbNextValidId(int OrderId) : IIbServerMessage, IIbDecodable<IbNextValidId>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.NextValidId);
        w.Write(1);
        w.Write(OrderId);
    }

    public static IbNextValidId Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return new IbNextValidId(r.ReadInt());
    }
}
