using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[46, 6, tickerId, tickType, value]</c>, e.g. 45 last trade time (epoch seconds), 48 RTVolume.</summary>
public readonly record struct IbTickString(int TickerId, int TickType, string Value) : IIbServerMessage, IIbDecodable<IbTickString>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.TickString);
        w.Write(6);
        w.Write(TickerId);
        w.Write(TickType);
        w.Write(Value);
    }

    public static IbTickString Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbTickString(r.ReadInt(), r.ReadInt(), r.ReadString());
    }
}
