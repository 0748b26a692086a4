using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[62, 1]</c>: end of the position snapshot; live position messages follow.</summary>
public sealed record IbPositionEnd : IIbServerMessage, IIbDecodable<IbPositionEnd>
{
    public static readonly IbPositionEnd Instance = new();

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.PositionEnd);
        w.Write(1);
    }

    public static IbPositionEnd Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return Instance;
    }
}
