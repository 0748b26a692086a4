using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Events;

/// <summary>
/// errMsg at server version 193: <c>[4, 2, id, code, message, advancedOrderRejectJson]</c> (6 fields; 194 changes it).
/// Id is an order id, a request id, or −1 for connection-level messages; see <see cref="IbErrorCodes"/>.
/// </summary>
public sealed record IbError(int Id, int Code, string Message, string AdvancedOrderRejectJson = "")
    : IIbServerMessage, IIbDecodable<IbError>
{
    public bool IsInformational => IbErrorCodes.IsInformational(Code);

    public void Encode(IbFieldWriter w)
    {
        w.Write(IbServerMessageId.ErrMsg);
        w.Write(2);
        w.Write(Id);
        w.Write(Code);
        w.Write(Message);
        w.Write(AdvancedOrderRejectJson);
    }

    public static IbError Decode(ref IbFieldReader r)
    {
        r.Skip();
        return new IbError(r.ReadInt(), r.ReadInt(), r.ReadString(), r.ReadString());
    }
}
