using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[8, 1, "HH:mm"]</c>: time of the last account update.</summary>
public sealed record IbUpdateAccountTime(string TimeStamp) : IIbServerMessage, IIbDecodable<IbUpdateAccountTime>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.UpdateAccountTime);
        w.Write(1);
        w.Write(TimeStamp);
    }

    public static IbUpdateAccountTime Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return new IbUpdateAccountTime(r.ReadString());
    }
}
