using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[45, 6, tickerId, tickType, value]</c>, e.g. 24 implied vol of the underlying, 49 halted.</summary>
public readonly record struct IbTickGeneric(int TickerId, int TickType, double Value) : IIbServerMessage, IIbDecodable<IbTickGeneric>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.TickGeneric);
        w.Write(6);
        w.Write(TickerId);
        w.Write(TickType);
        w.Write(Value);
    }

    public static IbTickGeneric Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbTickGeneric(r.ReadInt(), r.ReadInt(), r.ReadDouble());
    }
}
