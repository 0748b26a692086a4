using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[54, 1, account]</c>: end of the first reqAccountUpdates batch.</summary>
public sealed record IbAccountDownloadEnd(string Account) : IIbServerMessage, IIbDecodable<IbAccountDownloadEnd>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.AccountDownloadEnd);
        w.Write(1);
        w.Write(Account);
    }

    public static IbAccountDownloadEnd Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return new IbAccountDownloadEnd(r.ReadString());
    }
}
