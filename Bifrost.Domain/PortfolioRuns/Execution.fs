namespace Bifrost.Domain.PortfolioRuns

open System
open Bifrost.Domain

/// The idempotency key of a portfolio order: `run:symbol:side:snapshot` (product requirements).
type OrderKey =
    { RunId: string
      Symbol: string
      Side: Side
      SnapshotId: string }

module OrderKey =
    let text (k: OrderKey) = $"{k.RunId}:{k.Symbol}:{Side.name k.Side}:{k.SnapshotId}"

    /// The IB orderRef of a key: `oi_p` + the first 24 hex digits (96 bits) of SHA-256 of the key text — 28 characters,
    /// within OrderRef's 40 whatever the lengths of run and snapshot ids. `oi_` keeps it recognisably Bifrost's
    /// (another engine, reconcile); no `_` after the prefix so `oi_{run}_{i}` sequence parsing reads it as 0, not as a
    /// sequence number. Deterministic: a retry or a restart of the same run on the same snapshot mints the same ref.
    let orderRef (k: OrderKey) =
        OrderRef.create ("oi_p" + (ContentHash.sha256Hex (text k)).Substring(0, 24))

/// A quote the shell holds for a symbol, with the time it was received: the price an order is sized at (its mid, or
/// the last trade without two sides) and the two sides a market order meets.
type PortfolioQuote = { Price: float; Bid: float; Ask: float; ReceivedAt: Timestamp }

/// What the executor already knows of one of its portfolio orders (from the store and the broker).
type KnownOrder =
    { Ref: string
      Symbol: string
      Side: Side
      Quantity: int
      Filled: int
      Working: bool }

/// What executing a snapshot needs now.
type ExecutionInputs =
    { RunId: string
      Now: Timestamp
      /// A quote older than this is not fresh: the order is not sent (market_data_error).
      MaxQuoteAge: Duration
      /// A quote one-sided or wider than this (bps of mid) is not fit to trade on: the order is not sent (market_data_error).
      MaxSpreadBps: float
      /// Current strategy-owned shares per symbol (live, not the snapshot's).
      Positions: Map<string, int>
      /// What the whole account holds of each symbol (the broker's positions, all client ids): a sell without
      /// allow_short never takes it below zero, whatever the strategy believes it owns.
      Account: Map<string, int>
      /// portfolio.allow_short: when false, a sell is capped at the account's long quantity.
      AllowShort: bool
      /// Every portfolio order known (any run): refs already minted are never minted again; working ones count.
      Known: KnownOrder list
      Quotes: Map<string, PortfolioQuote> }

/// What to do for one line of the snapshot.
type PlannedLine =
    /// Send this order (the ref is written to the store before the wire).
    | Place of ref: OrderRef * key: OrderKey * quantity: int * price: float
    /// No fresh quote: the order is rejected with market_data_error, never sent.
    | NoFreshQuote of ref: OrderRef * key: OrderKey * quantity: int
    /// A fresh quote not fit to trade on (one-sided, or wider than max_spread_bps): rejected like a stale one,
    /// `why` (market_data_error: …) naming the quote and the limit; never sent.
    | UnfitQuote of ref: OrderRef * key: OrderKey * quantity: int * why: string
    /// A sell cut to the account's long quantity (allow_short false; the strategy's shares were sold outside Bifrost):
    /// `line` is what is done with the cut quantity (AtTarget when nothing is left to sell), `why` says so.
    | CappedSell of line: PlannedLine * why: string
    /// The order of this key exists already (a retry or restart of the run): nothing new is sent.
    | AlreadySent of ref: OrderRef * key: OrderKey
    /// Position plus working orders already equal the target.
    | AtTarget of symbol: string

module Execution =
    let marketDataError = "market_data_error"

    let private isFresh (inputs: ExecutionInputs) (q: PortfolioQuote) =
        let age = Timestamp.since q.ReceivedAt inputs.Now
        Double.IsFinite q.Price && q.Price > 0.0 && age >= 0L && age <= inputs.MaxQuoteAge

    /// Why a quote is no market to send a market order into (None: it is one). One-sided (a halt, a crossed
    /// book, the last trade standing in for the mid) or wider than `maxSpreadBps`: a market buy of 45.00/55.00 fills
    /// 10 % above the mid it was sized at. Also what a symbol may be sized at (PortfolioFlow.prices).
    let quoteProblem (maxSpreadBps: float) (symbol: string) (bid: float) (ask: float) =
        let spreadBps = Quote.spreadOf bid ask
        if not (Quote.twoSided bid ask) then
            Some $"{marketDataError}: {symbol} quote is not two-sided (bid {bid}, ask {ask})"
        elif not (spreadBps <= maxSpreadBps) then
            Some $"{marketDataError}: {symbol} quote {bid:F2}/{ask:F2} is {spreadBps:F0} bps wide, over portfolio.max_spread_bps {maxSpreadBps}"
        else None

    /// A reason this module gave for not sending an order: market_data_error, alone or with its detail.
    let isMarketDataError (reason: string) = reason = marketDataError || reason.StartsWith(marketDataError + ":", StringComparison.Ordinal)

    /// The shares a sell may take without taking the account short (allow_short false): what the account holds, less
    /// what working portfolio sells of the symbol will take from it. Strategy-owned shares the operator sold by hand
    /// are in the strategy's book but not in the account: selling them again would be a naked short.
    let private sellable (inputs: ExecutionInputs) (symbol: string) =
        let held = inputs.Account |> Map.tryFind symbol |> Option.defaultValue 0
        let selling =
            inputs.Known |> List.filter (fun o -> o.Working && o.Symbol = symbol && o.Side = Sell) |> List.sumBy (fun o -> max 0 (o.Quantity - o.Filled))
        max 0 (held - selling)

    /// The shares a line may trade of the `need` it lacks: all of them, but a sell without allow_short only what
    /// `sellable` leaves in the account.
    let private allowed (inputs: ExecutionInputs) (symbol: string) (need: int) =
        if need < 0 && not inputs.AllowShort then min (abs need) (sellable inputs symbol) else abs need

    /// An order of `qty` against the symbol's quote: placed on a fresh quote fit to trade on, else refused
    /// (market_data_error) and never sent.
    let private onQuote (inputs: ExecutionInputs) (ref: OrderRef) (key: OrderKey) (qty: int) =
        match inputs.Quotes |> Map.tryFind key.Symbol with
        | Some q when isFresh inputs q ->
            match quoteProblem inputs.MaxSpreadBps key.Symbol q.Bid q.Ask with
            | None -> Place(ref, key, qty, q.Price)
            | Some why -> UnfitQuote(ref, key, qty, why)
        | _ -> NoFreshQuote(ref, key, qty)

    let private capText (inputs: ExecutionInputs) (symbol: string) (need: int) (qty: int) (position: int) =
        let held = inputs.Account |> Map.tryFind symbol |> Option.defaultValue 0
        $"{symbol}: sell of {abs need} capped at the account's {held} {symbol}: allow_short is false ({qty} to sell; the strategy counts {position})"

    /// Plans one line: the order still needed is target − (position + working orders' remaining), so a second run of the
    /// same snapshot finds nothing to do once the first run's orders are working or filled, and a retry of the same run
    /// finds its own ref and sends nothing.
    let planLine (inputs: ExecutionInputs) (snapshot: Snapshot) (line: SnapshotLine) : Result<PlannedLine, ValidationError> =
        let position = inputs.Positions |> Map.tryFind line.Symbol |> Option.defaultValue 0
        let working =
            inputs.Known
            |> List.filter (fun o -> o.Working && o.Symbol = line.Symbol)
            |> List.sumBy (fun o -> Side.sign o.Side * max 0 (o.Quantity - o.Filled))
        let need = line.Target - (position + working)
        if not (Snapshot.isTrading line) || need = 0 then Ok(AtTarget line.Symbol)
        else
            let key = { RunId = inputs.RunId; Symbol = line.Symbol; Side = Side.ofSignedQuantity need; SnapshotId = snapshot.Id }
            OrderKey.orderRef key
            |> Result.map (fun ref ->
                let qty = allowed inputs line.Symbol need
                if inputs.Known |> List.exists (fun o -> o.Ref = OrderRef.value ref) then AlreadySent(ref, key)
                elif qty = abs need then onQuote inputs ref key qty
                else CappedSell((if qty = 0 then AtTarget line.Symbol else onQuote inputs ref key qty), capText inputs line.Symbol need qty position))

    /// Plans every line of the snapshot, in symbol order.
    let plan (inputs: ExecutionInputs) (snapshot: Snapshot) : Result<PlannedLine list, ValidationError> =
        snapshot.Lines
        |> List.fold (fun acc line ->
            match acc, planLine inputs snapshot line with
            | Ok xs, Ok p -> Ok(p :: xs)
            | Error e, _ | _, Error e -> Error e) (Ok [])
        |> Result.map List.rev

    /// A line as it is carried out: a capped sell is its cut line.
    let rec carried (line: PlannedLine) =
        match line with
        | CappedSell(inner, _) -> carried inner
        | Place _ | NoFreshQuote _ | UnfitQuote _ | AlreadySent _ | AtTarget _ -> line

    /// The orders a plan sends.
    let placements (plan: PlannedLine list) =
        plan |> List.choose (carried >> function Place(r, k, q, p) -> Some(r, k, q, p) | _ -> None)

    /// Why each capped sell of a plan was cut.
    let caps (plan: PlannedLine list) =
        plan |> List.choose (function CappedSell(_, why) -> Some why | _ -> None)
