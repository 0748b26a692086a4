using System.Globalization;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Wire;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;
using Microsoft.FSharp.Core;

namespace Bifrost.Daemon.Broker;

/// <summary>
/// IB wire records → domain events: small pure functions, one per message kind, tested one by one. Null means "nothing
/// for the engine" (a message about someone else's order, an unknown status, a malformed report).
/// </summary>
public static class IbTranslate
{
    // ------------------------------------------------------------------ orders

    /// <summary>IB's status text → the domain's order update. PendingSubmit/ApiPending/PendingCancel change nothing.</summary>
    public static OrderUpdate? Update(string status, decimal? filled, decimal? remaining) => status switch
    {
        "PreSubmitted" or "Submitted" when filled is > 0 && remaining is > 0 => OrderUpdate.PartFilled,
        "PreSubmitted" or "Submitted" => OrderUpdate.Acknowledged,
        "Filled" when remaining is > 0 => OrderUpdate.PartFilled,
        "Filled" => OrderUpdate.FullyFilled,
        "Cancelled" or "ApiCancelled" => OrderUpdate.CancelConfirmed,
        "Inactive" => OrderUpdate.MadeInactive,
        _ => null, // PendingSubmit, ApiPending, PendingCancel, unknown: no transition
    };

    /// <summary>orderStatus → OrderStatusReported; null when it concerns another client id's order (IB order ids are
    /// per client, so it could alias one of ours) or carries no transition. Client 0 (TWS itself, the operator's
    /// manual orders) is another client too: its order id 1 marked our order id 1 cancelled (red team r1).</summary>
    public static OrderStatusReport? OrderStatus(IbOrderStatus m, int ourClientId)
    {
        if (m.ClientId != ourClientId) return null;
        if (Update(m.Status, m.Filled, m.Remaining) is not { } update) return null;
        return new OrderStatusReport(m.OrderId, m.PermId, "", update, ToInt(m.Filled), m.AvgFillPrice, m.WhyHeld ?? "");
    }

    /// <summary>openOrder → OpenOrderReported (all clients; the reducer tells ours by orderRef).</summary>
    public static OpenOrderReport? OpenOrder(IbOpenOrder m)
    {
        if (Con(m.Contract.ConId) is not { } conId || Side(m.Order.Action) is not { } side) return null;
        var update = Update(m.State.Status, null, null) ?? OrderUpdate.Acknowledged;
        return new OpenOrderReport(m.OrderId, m.Order.PermId, m.Order.ClientId, m.Order.OrderRef ?? "", conId, side,
            ToInt(m.Order.TotalQuantity), 0, update);
    }

    // ------------------------------------------------------------------ fills

    /// <summary>execDetails → ExecutionReported (BOT/SLD, orderRef, permId, clientId kept); null if malformed — among
    /// them a price no trade has (zero, negative, IB's "unset" MAX_DBL): booked, a hedge's fill at MAX_DBL made the
    /// book's cost +∞ and the P&amp;L −∞ or NaN (a NaN passes every limit), replayed from the store at every restart.
    /// Not taken, the order's fill is settled by the account's reconciliation (ORDER_OUTCOME_UNKNOWN, confirm_book).</summary>
    public static ExecutionReport? Execution(IbExecDetails m)
    {
        var x = m.Execution;
        var execId = ExecIdModule.create(x.ExecId ?? "");
        if (execId.IsError || Con(m.Contract.ConId) is not { } conId || Side(x.Side) is not { } side) return null;
        var qty = ToInt(x.Shares);
        if (qty <= 0 || !IsAmount(x.Price) || x.Price <= 0) return null;
        return new ExecutionReport(execId.ResultValue, x.OrderId, x.PermId, x.ClientId, x.OrderRef ?? "", conId, side, qty, x.Price);
    }

    /// <summary>commissionReport → CommissionReported, keyed by execId (it carries no client id). MAX_DBL is IB's "unset"
    /// (reference §3.3): finite, it would book a fee of 1.8e308 and halt on a day's loss that never happened.</summary>
    public static EventPayload? Commission(IbCommissionReport m)
    {
        var execId = ExecIdModule.create(m.ExecId ?? "");
        return execId.IsError || !double.IsFinite(m.Commission) || Math.Abs(m.Commission) >= double.MaxValue
            ? null : EventPayload.NewCommissionReported(execId.ResultValue, m.Commission);
    }

    // ------------------------------------------------------------------ account

    /// <summary>position → PositionReported for the configured account. IB's option avgCost is per contract
    /// (multiplier included): the domain wants it per unit of price, so it is divided by the multiplier.</summary>
    public static EventPayload? Position(IbPosition m, string account)
    {
        if (account.Length > 0 && m.Account.Length > 0 && !m.Account.Equals(account, StringComparison.OrdinalIgnoreCase)) return null;
        if (Con(m.Contract.ConId) is not { } conId) return null;
        var cost = IsAmount(m.AvgCost) ? m.AvgCost / Multiplier(m.Contract) : 0.0;
        return EventPayload.NewPositionReported(conId, ToInt(m.Position), cost);
    }

    /// <summary>accountSummary → AccountValueReported for numeric values of the configured account, with the currency IB
    /// reported it in (the account's base currency for the plain tags the daemon asks for): the domain takes only a USD
    /// one as dollars (Funds.onAccountValue); dropped here, a JPY account's NetLiquidation was read as dollars.</summary>
    public static EventPayload? AccountValue(IbAccountSummary m, string account)
    {
        if (account.Length > 0 && !m.Account.Equals(account, StringComparison.OrdinalIgnoreCase)) return null;
        return double.TryParse(m.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && IsAmount(v)
            ? EventPayload.NewAccountValueReported(m.Tag, v, (m.Currency ?? "").Trim())
            : null;
    }

    /// <summary>The contract multiplier (options 100 when the field is empty, stocks 1).</summary>
    public static int Multiplier(IbContract c) =>
        double.TryParse(c.Multiplier, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m >= 1
            ? (int)m
            : c.SecType.Equals("OPT", StringComparison.OrdinalIgnoreCase) || c.SecType.Equals("FOP", StringComparison.OrdinalIgnoreCase) ? 100 : 1;

    // ------------------------------------------------------------------ errors

    /// <summary>
    /// errMsg → a connectivity, farm or order event. 1100 lost, 2110 lost until 1101/1102 or a farm's OK, 1101 restored
    /// with data lost, 1102 restored with data kept; 2103/2105/2108/2157 a farm broken or inactive — degraded, never "down" (nautilus #4412) — and
    /// 2104/2106/2107/2158 a farm ok (2107: the HMDS farm is inactive but available on demand, which we do not use);
    /// any other code with an order id (positive, below the request ids) → OrderErrorReported (201 reject, 202
    /// cancelled, 103 duplicate id, 110, 161, 10147, 10148 …), whatever its size: the reducer matches it by order id and
    /// ignores one it never sent. The session routes the ids it issued and still maps (tickers, lookups) before this.
    /// A request id it no longer maps (a ticker dropped), ids ≤ 0 and the rest: null (logged by the adapter).
    /// </summary>
    public static EventPayload? Error(IbError e)
    {
        switch (e.Code)
        {
            case IbErrorCodes.ConnectivityLost:
                return EventPayload.ConnectivityLost;
            case IbErrorCodes.TwsServerConnectivityBroken:
                return EventPayload.ServerConnectivityBroken;
            case IbErrorCodes.ConnectivityRestoredDataLost:
                return EventPayload.NewConnectivityRestored(false);
            case IbErrorCodes.ConnectivityRestoredDataMaintained:
                return EventPayload.NewConnectivityRestored(true);
            // 2108 (market data farm inactive) counts as degraded, as the operator's runbook says for 2103/2105/2108.
            case IbErrorCodes.MarketDataFarmBroken or IbErrorCodes.MarketDataFarmInactive:
                return EventPayload.NewFarmStatusChanged(Farm.MarketDataFarm, FarmName(e.Message), false);
            case IbErrorCodes.MarketDataFarmOk:
                return EventPayload.NewFarmStatusChanged(Farm.MarketDataFarm, FarmName(e.Message), true);
            case IbErrorCodes.HistoricalFarmBroken:
                return EventPayload.NewFarmStatusChanged(Farm.HistoricalFarm, FarmName(e.Message), false);
            case IbErrorCodes.HistoricalFarmOk or IbErrorCodes.HistoricalFarmInactive:
                return EventPayload.NewFarmStatusChanged(Farm.HistoricalFarm, FarmName(e.Message), true);
            case SecDefFarmBroken:
                return EventPayload.NewFarmStatusChanged(Farm.SecurityDefinitionFarm, FarmName(e.Message), false);
            case IbErrorCodes.SecDefFarmOk:
                return EventPayload.NewFarmStatusChanged(Farm.SecurityDefinitionFarm, FarmName(e.Message), true);
        }
        if (e.Id > 0 && e.Id < IbProtocol.FirstRequestId) return EventPayload.NewOrderErrorReported(e.Id, e.Code, e.Message ?? "");
        return null;
    }

    /// <summary>The farm a status message names, as TWS does: after its last ':' ("…is OK:usopt"), or after "demand."
    /// in the inactive ones ("…available upon demand.usfarm.nj"); empty when it names none.</summary>
    public static string FarmName(string? message)
    {
        var text = message ?? "";
        var colon = text.LastIndexOf(':');
        if (colon >= 0) return text[(colon + 1)..].Trim();
        const string demand = "demand.";
        var at = text.LastIndexOf(demand, StringComparison.Ordinal);
        return at >= 0 ? text[(at + demand.Length)..].Trim() : "";
    }

    /// <summary>
    /// An errMsg on one of our market-data tickers: IB refused or ended the contract's data (10197 a competing live
    /// session, 354/10089/10168 not subscribed, 10167 delayed data instead, 200 no such contract). Informational codes
    /// (2100–2199) are not refusals.
    /// </summary>
    public static EventPayload? MarketDataError(IbError e, ContractId conId) =>
        e.IsInformational ? null : EventPayload.NewMarketDataRefused(conId, e.Code, e.Message ?? "");

    /// <summary>2157: the sec-def farm is broken (not in <see cref="IbErrorCodes"/>).</summary>
    public const int SecDefFarmBroken = 2157;

    // ------------------------------------------------------------------ market data

    /// <summary>
    /// tickPrice type → quote field: 1 bid, 2 ask, 4 last. Delayed ticks (66–68: ~15 minutes old, sent when TWS falls
    /// back to delayed data, with 10167 on the ticker) are not a quote: stamped with their receive time they would
    /// look fresh, and a hedge priced from them trades on a market a quarter of an hour gone. The contract goes silent
    /// instead, and the feed watch tells the operator (MARKET_DATA_REFUSED, MARKET_DATA_STALE).
    /// </summary>
    public static TickField? PriceField(int tickType) => tickType switch
    {
        1 => TickField.BidPrice,
        2 => TickField.AskPrice,
        4 => TickField.LastPrice,
        _ => null,
    };

    /// <summary>tickSize type → quote field: 0 bid size, 3 ask size (delayed 69/70 are not used, as for prices).</summary>
    public static TickField? SizeField(int tickType) => tickType switch
    {
        0 => TickField.BidSize,
        3 => TickField.AskSize,
        _ => null,
    };

    /// <summary>A price tick's value: −1 ("no quote on that side"), non-finite values and IB's "unset" MAX_DBL become NaN.
    /// Taken as a price, one ask at MAX_DBL left the underlying's mid at 9e307 once bids had ticked under it for
    /// jump_confirm_seconds: PRICE_JUMP_STOOD, the P&amp;L −∞ and a RISK_HALT on a loss that never happened.</summary>
    public static double PriceValue(double price) => IsAmount(price) && price > 0 ? price : double.NaN;

    /// <summary>A finite number short of IB's "unset" sentinel (reference §3.3: any double ≥ 1.7976931348623157E308 is
    /// unset); both are read as values by the plain double decoder.</summary>
    public static bool IsAmount(double v) => double.IsFinite(v) && Math.Abs(v) < double.MaxValue;

    /// <summary>tickOptionComputation → OptionComputationReceived for the model tick (13; the delayed 83 is not used) with an implied vol.</summary>
    public static EventPayload? OptionComputation(ContractId conId, in IbTickOptionComputation m) =>
        m.TickType is 13 && m.ImpliedVol is { } iv && double.IsFinite(iv) && iv > 0
            ? EventPayload.NewOptionComputationReceived(conId, iv)
            : null;

    /// <summary>tickGeneric 49 (halted) → the contract's halt: 1 a general halt, 2 a volatility halt, 0 trading again.
    /// Another value (−1: not known) is no news, and other generic ticks are not used: null (a halt reported stands).</summary>
    public static EventPayload? Halt(ContractId conId, in IbTickGeneric m) => m.TickType != 49 ? null : m.Value switch
    {
        0.0 => EventPayload.NewTradingHaltReported(conId, FSharpOption<TradingHalt>.None),
        1.0 => EventPayload.NewTradingHaltReported(conId, Some(TradingHalt.GeneralHalt)),
        2.0 => EventPayload.NewTradingHaltReported(conId, Some(TradingHalt.VolatilityHalt)),
        _ => null,
    };

    // ------------------------------------------------------------------ helpers

    public static Side? Side(string action) => action?.ToUpperInvariant() switch
    {
        "BOT" or "BUY" => Domain.Side.Buy,
        "SLD" or "SELL" or "SSHORT" => Domain.Side.Sell,
        _ => null,
    };

    public static ContractId? Con(int conId)
    {
        var r = ContractIdModule.create(conId);
        return r.IsOk ? r.ResultValue : null;
    }

    private static int ToInt(decimal? d) => d is { } v && v <= int.MaxValue && v >= int.MinValue ? (int)Math.Round(v) : 0;

    /// <summary>The side IB expects in placeOrder.</summary>
    public static string Action(Side side) => side.IsBuy ? "BUY" : "SELL";

    /// <summary>The domain's order → IB order (MKT or LMT, with orderRef, TIF and account).</summary>
    public static IbOrder Order(OrderRequest o)
    {
        var qty = (decimal)o.Quantity;
        var order = o.Type is OrderType.Limit limit
            ? IbOrder.Limit(Action(o.Side), qty, limit.limit, OrderRefModule.value(o.Ref), o.Account)
            : IbOrder.Market(Action(o.Side), qty, OrderRefModule.value(o.Ref), o.Account);
        return order with { Tif = TimeInForceModule.name(o.Tif) };
    }

    internal static FSharpOption<T> Some<T>(T v) => FSharpOption<T>.Some(v);
}
