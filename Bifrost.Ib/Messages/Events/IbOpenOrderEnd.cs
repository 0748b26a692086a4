using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[53, 1]</c>: end of a reqOpenOrders/reqAllOpenOrders reply.</summary>
public sealed record IbOpenOrderEnd : IIbServerMessage, IIbDecodable<IbOpenOrderEnd>
{
    public static readonly IbOpenOrderEnd Instance = new();

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.OpenOrderEnd);
        w.Write(1);
    }

    public static IbOpenOrderEnd Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return Instance;
    }
}
