using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>Stops position updates; no reply — <c>[64, 1]</c>.</summary>
public sealed record IbCancelPositions : IIbRequest, IIbDecodable<IbCancelPositions>
{
    public static readonly IbCancelPositions Instance = new();

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.CancelPositions);
        w.Write(1);
    }

    public static IbCancelPositions Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return Instance;
    }
}
