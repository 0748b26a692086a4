namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// The cash a portfolio run may spend: the broker's last AvailableFunds less what this engine's own orders took since
/// that report was received. IB's account summary re-sends a changed value only every few minutes; read as current,
/// two runs seconds apart would each spend the same cash (docs/portfolio-runs.md, "Cash").
///
/// Every order this engine placed counts, whatever its purpose (a portfolio trade, the hedger's stock, a flatten or a
/// rebalance): each buy takes buying power alike. Sale proceeds are not added back: IB may not release them to
/// AvailableFunds at once (settlement, margin), so counting them could spend cash the account does not give; the next
/// report shows what the sales freed.
module Funds =
    let private key = "AvailableFunds"

    /// The currency the engine trades in: every contract is verified USD at start (ContractVerification).
    let dollars = "USD"

    /// The alert (critical, once) and the block reason of an account that reports its figures in another currency.
    let currencyAlert = "ACCOUNT_CURRENCY"

    let private shown (currency: string) = if currency = "" then "no currency" else currency

    let currencyText (currency: string) = $"the account reports {shown currency}; its NetLiquidation/AvailableFunds are not converted to dollars"

    /// Why no account figure is taken (None: they are, in dollars).
    let currencyRefusal (s: State) = s.AccountCurrency |> Option.map (fun c -> $"{currencyAlert}: {currencyText c}")

    /// An account value received: stored with its receive time. A new AvailableFunds report already holds what the
    /// engine's earlier fills took, so what was spent since the last one starts again from zero.
    ///
    /// Only a figure IB reports in dollars is taken. The daemon asks for plain tags (NetLiquidation, AvailableFunds, …,
    /// no $LEDGER), which IB sends once each in the account's BASE currency: a JPY account's ¥15M NetLiquidation read
    /// as dollars sized every portfolio run 150× too big (HKD 7.8×; EUR and GBP too small). A figure in any other
    /// currency (BASE or none included) is refused, not converted: IB's ExchangeRate comes only with the per-currency
    /// ledger rows (reqAccountUpdates, $LEDGER), on their own schedule, so a rate fitting the figure is not certain, and
    /// it is the one number every run is sized from. The first such figure drops every account figure held and
    /// AccountCurrency stands for the process: nothing reads the account as dollars again (a USD row of a JPY account
    /// would be one currency's cash, not the account). The caller raises ACCOUNT_CURRENCY once.
    let onAccountValue (s: State) (name: string) (value: float) (currency: string) =
        match s.AccountCurrency with
        | Some _ -> s
        | None when currency.Trim().ToUpperInvariant() = dollars ->
            let s = { s with AccountValues = s.AccountValues |> Map.add name value; AccountValuesAt = s.AccountValuesAt |> Map.add name s.Now }
            if name = key then { s with FundsSpent = FundsSpent.none } else s
        | None ->
            { s with AccountCurrency = Some(currency.Trim()); AccountValues = Map.empty; AccountValuesAt = Map.empty; FundsSpent = FundsSpent.none }

    /// The engine's order an execution fills, when it is one this step will apply: a new exec id, on the order's own
    /// contract and side (OrderFlow refuses any other).
    let internal fillOf (s: State) (x: ExecutionReport) =
        if s.SeenExecs.Contains x.ExecId then None
        else
            OrderRef.create x.Ref |> Result.toOption |> Option.bind s.Orders.TryFind
            |> Option.filter (fun o -> o.ContractId = x.ContractId && o.Side = x.Side)

    /// An execution about to be applied (called on the state before it): a buy's notional is spent, and every fill's fee
    /// — counted now when its commission came first, else when it comes.
    let onExecution (s: State) (x: ExecutionReport) =
        match fillOf s x with
        | None -> s
        | Some o ->
            let notional = if o.Side = Buy then float x.Quantity * x.Price * float (State.multiplier s x.ContractId) else 0.0
            let spent = s.FundsSpent
            let spent =
                match s.PendingCommissions |> Map.tryFind x.ExecId with
                | Some fee when System.Double.IsFinite fee -> { spent with Filled = spent.Filled + notional + fee }
                | _ -> { Filled = spent.Filled + notional; AwaitingFee = spent.AwaitingFee.Add x.ExecId }
            if System.Double.IsFinite spent.Filled then { s with FundsSpent = spent } else s

    /// A commission for a fill counted since the report: its fee is spent too (once; one for an earlier fill is in the
    /// report already).
    let onCommission (s: State) (execId: ExecId) (commission: float) =
        if not (s.FundsSpent.AwaitingFee.Contains execId && System.Double.IsFinite commission) then s
        else
            let spent = s.FundsSpent
            { s with FundsSpent = { Filled = spent.Filled + commission; AwaitingFee = spent.AwaitingFee.Remove execId } }

    /// What the engine's buy orders still working would take if they filled: the rest of each at the price it was sent
    /// at (a limit, or the mid it was sized at for a market order).
    let working (s: State) =
        State.workingOrders s
        |> List.sumBy (fun o ->
            let price = match o.Type with Limit l -> l | Market -> o.DecisionMid
            if o.Side = Buy && System.Double.IsFinite price && price > 0.0 then
                float (Order.remaining o |> max 0) * price * float (State.multiplier s o.ContractId)
            else 0.0)

    /// The broker's last AvailableFunds (NaN until one is reported: after a restart, until the sync's report).
    let reported (s: State) =
        if s.AccountCurrency.IsSome then nan else s.AccountValues |> Map.tryFind key |> Option.defaultValue nan

    /// The cash a run may spend now: the last report less what the engine's fills and working buys took since.
    let available (s: State) = reported s - s.FundsSpent.Filled - working s

    /// How the cash a snapshot was sized with came about, for its note: empty when nothing was taken since the report.
    let describe (s: State) =
        let filled, working = s.FundsSpent.Filled, working s
        if filled = 0.0 && working = 0.0 then ""
        else
            let age = match s.AccountValuesAt |> Map.tryFind key with
                      | Some t -> $" received {float (s.Now.Nanos - t.Nanos) / 1e9:F0}s before"
                      | None -> ""
            $"cash {available s:F2} = AvailableFunds {reported s:F2}{age} less {filled:F2} filled and {working:F2} working since"

/// What the account holds of a contract as far as a sell may count on it: the broker's last reported position less the
/// shares this engine's own sells took since that report. IB's position update can come after the execution (or not
/// for a while): read as current, a run just after a filled sell would sell the same shares again and take the
/// account short with allow_short false.
///
/// Only sells are counted. A buy's shares are not added before the broker reports them, and an execution replayed at
/// a sync after the position report that already holds it is subtracted twice: both err towards selling less (a cut
/// noted on the run), never towards a short. After a restart nothing is counted; until the sync's position report the
/// broker's position is 0 (nothing sellable beyond it).
module OwnSells =
    /// A position reported: it holds the engine's earlier sells of the contract.
    let onPosition (s: State) (conId: ContractId) = { s with SoldSincePosition = s.SoldSincePosition |> Map.remove conId }

    /// An execution about to be applied (called on the state before it, as Funds.onExecution): a sell's shares count.
    let onExecution (s: State) (x: ExecutionReport) =
        match Funds.fillOf s x with
        | Some o when o.Side = Sell ->
            let sold = s.SoldSincePosition |> Map.tryFind x.ContractId |> Option.defaultValue 0
            { s with SoldSincePosition = s.SoldSincePosition |> Map.add x.ContractId (sold + max 0 x.Quantity) }
        | _ -> s

    /// The account's shares of the contract a sell may count on now.
    let held (s: State) (conId: ContractId) =
        Portfolio.brokerQty conId s.Portfolio - (s.SoldSincePosition |> Map.tryFind conId |> Option.defaultValue 0)
