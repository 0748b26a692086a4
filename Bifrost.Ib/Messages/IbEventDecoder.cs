using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages;

/// <summary>
/// Decodes one server → client payload and hands the typed message to a handler. A message reaches the handler only if it
/// consumed exactly its fields; otherwise <see cref="IbProtocolException"/> is thrown and nothing is delivered.
/// </summary>
public static class IbEventDecoder
{
    /// <summary>True when the id was known and delivered; false for an id this library does not decode (skip it).</summary>
    public static bool Dispatch(ReadOnlySpan<byte> payload, IbEventHandler h, out int messageId)
    {
        var r = new IbFieldReader(payload);
        messageId = r.ReadInt();
        switch (messageId)
        {
            case IbServerMessageId.TickPrice: h.OnTickPrice(Read<IbTickPrice>(ref r)); return true;
            case IbServerMessageId.TickSize: h.OnTickSize(Read<IbTickSize>(ref r)); return true;
            case IbServerMessageId.TickGeneric: h.OnTickGeneric(Read<IbTickGeneric>(ref r)); return true;
            case IbServerMessageId.TickString: h.OnTickString(Read<IbTickString>(ref r)); return true;
            case IbServerMessageId.TickOptionComputation: h.OnTickOptionComputation(Read<IbTickOptionComputation>(ref r)); return true;
            case IbServerMessageId.TickReqParams: h.OnTickReqParams(Read<IbTickReqParams>(ref r)); return true;
            case IbServerMessageId.TickSnapshotEnd: h.OnTickSnapshotEnd(Read<IbTickSnapshotEnd>(ref r)); return true;
            case IbServerMessageId.MarketDataType: h.OnMarketDataType(Read<IbMarketDataType>(ref r)); return true;
            case IbServerMessageId.OrderStatus: h.OnOrderStatus(Read<IbOrderStatus>(ref r)); return true;
            case IbServerMessageId.OpenOrder: h.OnOpenOrder(Read<IbOpenOrder>(ref r)); return true;
            case IbServerMessageId.OpenOrderEnd: h.OnOpenOrderEnd(Read<IbOpenOrderEnd>(ref r)); return true;
            case IbServerMessageId.ExecDetails: h.OnExecDetails(Read<IbExecDetails>(ref r)); return true;
            case IbServerMessageId.ExecDetailsEnd: h.OnExecDetailsEnd(Read<IbExecDetailsEnd>(ref r)); return true;
            case IbServerMessageId.CommissionReport: h.OnCommissionReport(Read<IbCommissionReport>(ref r)); return true;
            case IbServerMessageId.Position: h.OnPosition(Read<IbPosition>(ref r)); return true;
            case IbServerMessageId.PositionEnd: h.OnPositionEnd(Read<IbPositionEnd>(ref r)); return true;
            case IbServerMessageId.AccountSummary: h.OnAccountSummary(Read<IbAccountSummary>(ref r)); return true;
            case IbServerMessageId.AccountSummaryEnd: h.OnAccountSummaryEnd(Read<IbAccountSummaryEnd>(ref r)); return true;
            case IbServerMessageId.UpdateAccountValue: h.OnUpdateAccountValue(Read<IbUpdateAccountValue>(ref r)); return true;
            case IbServerMessageId.UpdatePortfolio: h.OnUpdatePortfolio(Read<IbUpdatePortfolio>(ref r)); return true;
            case IbServerMessageId.UpdateAccountTime: h.OnUpdateAccountTime(Read<IbUpdateAccountTime>(ref r)); return true;
            case IbServerMessageId.AccountDownloadEnd: h.OnAccountDownloadEnd(Read<IbAccountDownloadEnd>(ref r)); return true;
            case IbServerMessageId.NextValidId: h.OnNextValidId(Read<IbNextValidId>(ref r)); return true;
            case IbServerMessageId.ManagedAccounts: h.OnManagedAccounts(Read<IbManagedAccounts>(ref r)); return true;
            case IbServerMessageId.ErrMsg: h.OnError(Read<IbError>(ref r)); return true;
            case IbServerMessageId.CurrentTime: h.OnCurrentTime(Read<IbCurrentTime>(ref r)); return true;
            case IbServerMessageId.ContractData: h.OnContractData(Read<IbContractData>(ref r)); return true;
            case IbServerMessageId.ContractDataEnd: h.OnContractDataEnd(Read<IbContractDataEnd>(ref r)); return true;
            default: return false;
        }
    }

    /// <summary>Convenience for tests and tools: the decoded message as an object, or null for an unknown id.</summary>
    public static IIbServerMessage? Decode(ReadOnlySpan<byte> payload)
    {
        var capture = new Capture();
        return Dispatch(payload, capture, out _) ? capture.Last : null;
    }

    /// <summary>Decodes one message type from a payload whose id the caller already knows; checks for leftovers.</summary>
    public static T Read<T>(ref IbFieldReader r) where T : IIbDecodable<T>
    {
        var m = T.Decode(ref r);
        r.ExpectEnd(typeof(T));
        return m;
    }

    private sealed class Capture : IbEventHandler
    {
        public IIbServerMessage? Last;

        public override void OnOther(IIbEvent e) => Last = (IIbServerMessage)e;
    }
}
