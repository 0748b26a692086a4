using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>Asks for the account list; answered by managedAccounts — <c>[17, 1]</c>.</summary>
public sealed record IbReqManagedAccts : IIbRequest, IIbDecodable<IbReqManagedAccts>
{
    public static readonly IbReqManagedAccts Instance = new();

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqManagedAccts);
        w.Write(1);
    }

    public static IbReqManagedAccts Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return Instance;
    }
}
