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

/// A quote the shell holds for a symbol, with the time it was received.
type PortfolioQuote = { Price: float; ReceivedAt: Timestamp }

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
      /// Current strategy-owned shares per symbol (live, not the snapshot's).
      Positions: Map<string, int>
      /// Every portfolio order known (any run): refs already minted are never minted again; working ones count.
      Known: KnownOrder list
      Quotes: Map<string, PortfolioQuote> }

/// What to do for one line of the snapshot.
type PlannedLine =
    /// Send this order (the ref is written to the store before the wire).
    | Place of ref: OrderRef * key: OrderKey * quantity: int * price: float
    /// No fresh quote: the order is rejected with market_data_error, never sent.
    | NoFreshQuote of ref: OrderRef * key: OrderKey * quantity: int
    /// The order of this key exists already (a retry or restart of the run): nothing new is sent.
    | AlreadySent of ref: OrderRef * key: OrderKey
    /// Position plus working orders already equal the target.
    | AtTarget of symbol: string

module Execution =
    let marketDataError = "market_data_error"

    let private isFresh (inputs: ExecutionInputs) (q: PortfolioQuote) =
        let age = Timestamp.since q.ReceivedAt inputs.Now
        Double.IsFinite q.Price && q.Price > 0.0 && age >= 0L && age <= inputs.MaxQuoteAge

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
                if inputs.Known |> List.exists (fun o -> o.Ref = OrderRef.value ref) then AlreadySent(ref, key)
                else
                    match inputs.Quotes |> Map.tryFind line.Symbol with
                    | Some q when isFresh inputs q -> Place(ref, key, abs need, q.Price)
                    | _ -> NoFreshQuote(ref, key, abs need))

    /// Plans every line of the snapshot, in symbol order.
    let plan (inputs: ExecutionInputs) (snapshot: Snapshot) : Result<PlannedLine list, ValidationError> =
        snapshot.Lines
        |> List.fold (fun acc line ->
            match acc, planLine inputs snapshot line with
            | Ok xs, Ok p -> Ok(p :: xs)
            | Error e, _ | _, Error e -> Error e) (Ok [])
        |> Result.map List.rev

    /// The orders a plan sends.
    let placements (plan: PlannedLine list) =
        plan |> List.choose (function Place(r, k, q, p) -> Some(r, k, q, p) | _ -> None)
