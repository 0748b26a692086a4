using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[15, 1, "DU1234567,DU7654321"]</c>: the accounts this login can trade (a trailing comma may appear).</summary>
public sealed record IbManagedAccounts(string AccountsList) : IIbServerMessage, IIbDecodable<IbManagedAccounts>
{
    public IReadOnlyList<string> Accounts =>
        AccountsList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.ManagedAccounts);
        w.Write(1);
        w.Write(AccountsList);
    }

    public static IbManagedAccounts Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbManagedAccounts(r.ReadString());
    }
}
