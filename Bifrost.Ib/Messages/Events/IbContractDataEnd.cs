using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary><c>[52, 1, reqId]</c>: end of a reqContractDetails reply (absent after error 200).</summary>
public sealed record IbContractDataEnd(int ReqId) : IIbServerMessage, IIbDecodable<IbContractDataEnd>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.ContractDataEnd);
        w.Write(1);
        w.Write(ReqId);
    }

    public static IbContractDataEnd Decode(ref IbFieldReader r)
    {
        r.Skip(); // version
        return new IbContractDataEnd(r.ReadInt());
    }
}
