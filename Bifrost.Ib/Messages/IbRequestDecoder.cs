using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages;

/// <summary>
/// Decodes one client → server payload (the replay gateway's side). Unknown ids come back as <see cref="IbUnknownRequest"/>;
/// malformed known requests throw <see cref="IbProtocolException"/>, which <see cref="Server.IbServerConnection"/> turns
/// into <see cref="IbMalformedRequest"/> so the gateway can answer 320/321.
/// </summary>
public static class IbRequestDecoder
{
    public static IIbRequest Decode(ReadOnlySpan<byte> payload)
    {
        var r = new IbFieldReader(payload);
        int id = r.ReadInt();
        return id switch
        {
            IbClientMessageId.StartApi => IbEventDecoder.Read<IbStartApi>(ref r),
            IbClientMessageId.ReqCurrentTime => IbEventDecoder.Read<IbReqCurrentTime>(ref r),
            IbClientMessageId.ReqMarketDataType => IbEventDecoder.Read<IbReqMarketDataType>(ref r),
            IbClientMessageId.ReqMktData => IbEventDecoder.Read<IbReqMktData>(ref r),
            IbClientMessageId.CancelMktData => IbEventDecoder.Read<IbCancelMktData>(ref r),
            IbClientMessageId.ReqContractDetails => IbEventDecoder.Read<IbReqContractDetails>(ref r),
            IbClientMessageId.PlaceOrder => IbEventDecoder.Read<IbPlaceOrder>(ref r),
            IbClientMessageId.CancelOrder => IbEventDecoder.Read<IbCancelOrder>(ref r),
            IbClientMessageId.ReqOpenOrders => IbEventDecoder.Read<IbReqOpenOrders>(ref r),
            IbClientMessageId.ReqAllOpenOrders => IbEventDecoder.Read<IbReqAllOpenOrders>(ref r),
            IbClientMessageId.ReqAutoOpenOrders => IbEventDecoder.Read<IbReqAutoOpenOrders>(ref r),
            IbClientMessageId.ReqIds => IbEventDecoder.Read<IbReqIds>(ref r),
            IbClientMessageId.ReqExecutions => IbEventDecoder.Read<IbReqExecutions>(ref r),
            IbClientMessageId.ReqPositions => IbEventDecoder.Read<IbReqPositions>(ref r),
            IbClientMessageId.CancelPositions => IbEventDecoder.Read<IbCancelPositions>(ref r),
            IbClientMessageId.ReqAccountSummary => IbEventDecoder.Read<IbReqAccountSummary>(ref r),
            IbClientMessageId.CancelAccountSummary => IbEventDecoder.Read<IbCancelAccountSummary>(ref r),
            IbClientMessageId.ReqAccountUpdates => IbEventDecoder.Read<IbReqAccountUpdates>(ref r),
            IbClientMessageId.ReqGlobalCancel => IbEventDecoder.Read<IbReqGlobalCancel>(ref r),
            IbClientMessageId.ReqManagedAccts => IbEventDecoder.Read<IbReqManagedAccts>(ref r),
            _ => new IbUnknownRequest(id, IbFraming.Fields(payload)),
        };
    }
}
