using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>
/// reqMktData (reference §5.2), 20 fields for a non-combo contract. Combo (BAG) subscriptions are not supported: the encoder
/// refuses them and the decoder reports them as a protocol error, so the gateway can answer 321.
/// </summary>
public sealed record IbReqMktData(int TickerId, IbContract Contract, string GenericTickList = "", bool Snapshot = false,
    bool RegulatorySnapshot = false, IbDeltaNeutralContract? DeltaNeutralContract = null, string MktDataOptions = "")
    : IIbRequest, IIbDecodable<IbReqMktData>
{
    public void Encode(IbFieldWriter w)
    {
        if (Contract.SecType == "BAG") throw new NotSupportedException("combo (BAG) market data is not supported");
        w.Write(IbClientMessageId.ReqMktData);
        w.Write(11);
        w.Write(TickerId);
        IbContractCodec.WriteRequest(w, Contract);
        IbContractCodec.WriteDeltaNeutral(w, DeltaNeutralContract);
        w.Write(GenericTickList);
        w.Write(Snapshot);
        w.Write(RegulatorySnapshot);
        w.Write(MktDataOptions);
    }

    public static IbReqMktData Decode(ref IbFieldReader r)
    {
        r.Skip();
        int tickerId = r.ReadInt();
        var contract = IbContractCodec.ReadRequest(ref r);
        if (contract.SecType == "BAG") throw new IbProtocolException("combo (BAG) market data is not supported");
        var dn = IbContractCodec.ReadDeltaNeutral(ref r);
        return new IbReqMktData(tickerId, contract, r.ReadString(), r.ReadBool(), r.ReadBool(), dn, r.ReadString());
    }
}
