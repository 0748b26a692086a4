using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>
/// <c>[58, extOperator, manualOrderIndicator]</c>. Cancels every open order of the account, manual ones included: the daemon
/// must never send it (reference §10.4); it is here so the replay gateway can decode it.
/// </summary>
public sealed record IbReqGlobalCancel(string ExtOperator = "", int? ManualOrderIndicator = null) : IIbRequest, IIbDecodable<IbReqGlobalCancel>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqGlobalCancel);
        w.Write(ExtOperator);
        w.Write(ManualOrderIndicator);
    }

    public static IbReqGlobalCancel Decode(ref IbFieldReader r) => new(r.ReadString(), r.ReadIntMax());
}
