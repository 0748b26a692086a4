using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[6, 2, key, value, currency, accountName]</c> (reqAccountUpdates).</summary>
public sealed record IbUpdateAccountValue(string Key, string Value, string Currency, string AccountName)
    : IIbServerMessage, IIbDecodable<IbUpdateAccountValue>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.UpdateAccountValue);
        w.Write(2);
        w.Write(Key);
        w.Write(Value);
        w.Write(Currency);
        w.Write(AccountName);
    }

    public static IbUpdateAccountValue Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbUpdateAccountValue(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadString());
    }
}
