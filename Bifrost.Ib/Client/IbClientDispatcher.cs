using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;

namespace Bifrost.Ib.Client;

/// <summary>
/// Sits between the decoder and the user's handler: forwards every message unchanged (ticks by reference, no boxing) and
/// lets the client observe the few messages it keeps state for (readiness, order ids, subscriptions).
/// </summary>
internal sealed class IbClientDispatcher(IbClient client, IbEventHandler user) : IbEventHandler
{
    public override void OnTickPrice(in IbTickPrice m) => user.OnTickPrice(m);
    public override void OnTickSize(in IbTickSize m) => user.OnTickSize(m);
    public override void OnTickGeneric(in IbTickGeneric m) => user.OnTickGeneric(m);
    public override void OnTickString(in IbTickString m) => user.OnTickString(m);
    public override void OnTickOptionComputation(in IbTickOptionComputation m) => user.OnTickOptionComputation(m);
    public override void OnTickReqParams(IbTickReqParams m) => user.OnTickReqParams(m);
    public override void OnTickSnapshotEnd(IbTickSnapshotEnd m)
    {
        client.ForgetSubscription(m.ReqId);
        user.OnTickSnapshotEnd(m);
    }

    public override void OnMarketDataType(IbMarketDataType m) => user.OnMarketDataType(m);
    public override void OnOrderStatus(IbOrderStatus m) => user.OnOrderStatus(m);
    public override void OnOpenOrder(IbOpenOrder m) => user.OnOpenOrder(m);
    public override void OnOpenOrderEnd(IbOpenOrderEnd m) => user.OnOpenOrderEnd(m);
    public override void OnExecDetails(IbExecDetails m) => user.OnExecDetails(m);
    public override void OnExecDetailsEnd(IbExecDetailsEnd m) => user.OnExecDetailsEnd(m);
    public override void OnCommissionReport(IbCommissionReport m) => user.OnCommissionReport(m);
    public override void OnPosition(IbPosition m) => user.OnPosition(m);
    public override void OnPositionEnd(IbPositionEnd m) => user.OnPositionEnd(m);
    public override void OnAccountSummary(IbAccountSummary m) => user.OnAccountSummary(m);
    public override void OnAccountSummaryEnd(IbAccountSummaryEnd m) => user.OnAccountSummaryEnd(m);
    public override void OnUpdateAccountValue(IbUpdateAccountValue m) => user.OnUpdateAccountValue(m);
    public override void OnUpdatePortfolio(IbUpdatePortfolio m) => user.OnUpdatePortfolio(m);
    public override void OnUpdateAccountTime(IbUpdateAccountTime m) => user.OnUpdateAccountTime(m);
    public override void OnAccountDownloadEnd(IbAccountDownloadEnd m) => user.OnAccountDownloadEnd(m);

    public override void OnNextValidId(IbNextValidId m)
    {
        client.ObserveNextValidId(m.OrderId);
        user.OnNextValidId(m);
    }

    public override void OnManagedAccounts(IbManagedAccounts m)
    {
        client.ObserveManagedAccounts(m.Accounts);
        user.OnManagedAccounts(m);
    }

    public override void OnError(IbError m)
    {
        // A data request that failed for good is no longer an active subscription.
        if (m.Code == IbErrorCodes.NoSecurityDefinition) client.ForgetSubscription(m.Id);
        user.OnError(m);
    }

    public override void OnCurrentTime(IbCurrentTime m) => user.OnCurrentTime(m);
    public override void OnContractData(IbContractData m) => user.OnContractData(m);
    public override void OnContractDataEnd(IbContractDataEnd m) => user.OnContractDataEnd(m);
    public override void OnConnectionEvent(IIbEvent e) => user.OnConnectionEvent(e);
    public override void OnOther(IIbEvent e) => user.OnOther(e);
}
