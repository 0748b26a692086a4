using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages.Requests;

/// <summary>
/// <c>[4, orderId, manualOrderCancelTime, extOperator, manualOrderIndicator]</c> — no version field since 192.
/// Answered by orderStatus Cancelled and error 202 (or 161/10148 when too late).
/// </summary>
public sealed record IbCancelOrder(int OrderId, string ManualOrderCancelTime = "", string ExtOperator = "",
    int? ManualOrderIndicator = null) : IIbRequest, IIbDecodable<IbCancelOrder>
{
    public void Encode(IbFieldWriter w)
    {
        w.Write(IbClientMessageId.CancelOrder);
        w.Write(OrderId);
        w.Write(ManualOrderCancelTime);
        w.Write(ExtOperator);
        w.Write(ManualOrderIndicator);
    }

    public static IbCancelOrder Decode(ref IbFieldReader r) =>
        new(r.ReadInt(), r.ReadString(), r.ReadString(), r.ReadIntMax());
}
