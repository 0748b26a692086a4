using Bifrost.Ib.Messages.Events;

namespace Bifrost.Ib.Messages;

/// <summary>
/// Receives decoded server → client messages, one call per frame, never concurrently (the client's reader loop calls it).
/// Override what you consume; everything else goes to <see cref="OnOther"/>. Tick messages are structs passed by
/// reference, so a consumer that copies them into its own queue stays allocation-free; the default <see cref="OnOther"/>
/// path boxes them.
/// </summary>
public abstract class IbEventHandler
{
    public virtual void OnTickPrice(in IbTickPrice m) => OnOther(m);
    public virtual void OnTickSize(in IbTickSize m) => OnOther(m);
    public virtual void OnTickGeneric(in IbTickGeneric m) => OnOther(m);
    public virtual void OnTickString(in IbTickString m) => OnOther(m);
    public virtual void OnTickOptionComputation(in IbTickOptionComputation m) => OnOther(m);
    public virtual void OnTickReqParams(IbTickReqParams m) => OnOther(m);
    public virtual void OnTickSnapshotEnd(IbTickSnapshotEnd m) => OnOther(m);
    public virtual void OnMarketDataType(IbMarketDataType m) => OnOther(m);
    public virtual void OnOrderStatus(IbOrderStatus m) => OnOther(m);
    public virtual void OnOpenOrder(IbOpenOrder m) => OnOther(m);
    public virtual void OnOpenOrderEnd(IbOpenOrderEnd m) => OnOther(m);
    public virtual void OnExecDetails(IbExecDetails m) => OnOther(m);
    public virtual void OnExecDetailsEnd(IbExecDetailsEnd m) => OnOther(m);
    public virtual void OnCommissionReport(IbCommissionReport m) => OnOther(m);
    public virtual void OnPosition(IbPosition m) => OnOther(m);
    public virtual void OnPositionEnd(IbPositionEnd m) => OnOther(m);
    public virtual void OnAccountSummary(IbAccountSummary m) => OnOther(m);
    public virtual void OnAccountSummaryEnd(IbAccountSummaryEnd m) => OnOther(m);
    public virtual void OnUpdateAccountValue(IbUpdateAccountValue m) => OnOther(m);
    public virtual void OnUpdatePortfolio(IbUpdatePortfolio m) => OnOther(m);
    public virtual void OnUpdateAccountTime(IbUpdateAccountTime m) => OnOther(m);
    public virtual void OnAccountDownloadEnd(IbAccountDownloadEnd m) => OnOther(m);
    public virtual void OnNextValidId(IbNextValidId m) => OnOther(m);
    public virtual void OnManagedAccounts(IbManagedAccounts m) => OnOther(m);
    public virtual void OnError(IbError m) => OnOther(m);
    public virtual void OnCurrentTime(IbCurrentTime m) => OnOther(m);
    public virtual void OnContractData(IbContractData m) => OnOther(m);
    public virtual void OnContractDataEnd(IbContractDataEnd m) => OnOther(m);

    /// <summary>Connection-level events raised by the client itself (protocol errors, disconnect, skipped messages).</summary>
    public virtual void OnConnectionEvent(IIbEvent e) => OnOther(e);

    /// <summary>Everything not overridden above.</summary>
    public virtual void OnOther(IIbEvent e)
    {
    }
}
