using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>
/// <c>[9, 8, reqId, contract(12), includeExpired, secIdType, secId, issuerId]</c> (19 fields): contractData × n then
/// contractDataEnd, or error 200 without an End.
/// </summary>
public sealed record IbReqContractDetails(int ReqId, IbContract Contract, bool IncludeExpired = false)
    : IIbRequest, IIbDecodable<IbReqContractDetails>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.ReqContractDetails);
        w.Write(8);
        w.Write(ReqId);
        IbContractCodec.WriteRequest(w, Contract);
        w.Write(IncludeExpired);
        w.Write(Contract.SecIdType);
        w.Write(Contract.SecId);
        w.Write(Contract.IssuerId);
    }

    public static IbReqContractDetails Decode(ref IbFieldReader r)
    {
        r.Skip();
        int reqId = r.ReadInt();
        var contract = IbContractCodec.ReadRequest(ref r);
        bool includeExpired = r.ReadBool();
        contract = contract with { SecIdType = r.ReadString(), SecId = r.ReadString(), IssuerId = r.ReadString() };
        return new IbReqContractDetails(reqId, contract, includeExpired);
    }
}
