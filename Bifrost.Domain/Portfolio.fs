namespace Bifrost.Domain

/// Who a quantity belongs to. The IB account is shared with the operator's manual trading (another client id):
/// Bifrost only ever counts, hedges or flattens what it owns.
type Ownership =
    | StrategyOwned
    | External

/// The strategy's own holding of one contract, built from its own fills only.
[<Struct>]
type Holding =
    { Quantity: int
      /// Average cost per unit of underlying (price units), for the open quantity.
      AvgCost: float
      /// Realised P&L in money (multiplier applied), before fees.
      Realized: float
      Fees: float }

module Holding =
    let empty = { Quantity = 0; AvgCost = 0.0; Realized = 0.0; Fees = 0.0 }

    /// Applies a fill: average cost on increases, realised P&L on reductions, a flip opens at the fill price.
    let applyFill (multiplier: int) (side: Side) (qty: int) (price: float) (h: Holding) =
        let signed = Side.sign side * qty
        let m = float multiplier
        if h.Quantity = 0 || sign h.Quantity = sign signed then
            let newQty = h.Quantity + signed
            let cost = (h.AvgCost * float (abs h.Quantity) + price * float qty) / float (abs newQty)
            { h with Quantity = newQty; AvgCost = cost }
        else
            let closing = min (abs signed) (abs h.Quantity)
            let pnl = float closing * (price - h.AvgCost) * float (sign h.Quantity) * m
            let newQty = h.Quantity + signed
            let avg = if newQty = 0 then 0.0 elif sign newQty = sign h.Quantity then h.AvgCost else price
            { h with Quantity = newQty; AvgCost = avg; Realized = h.Realized + pnl }

    let addFee (fee: float) (h: Holding) = { h with Fees = h.Fees + fee }

    /// Unrealised P&L at a mark price (money).
    let unrealized (multiplier: int) (mark: float) (h: Holding) =
        if h.Quantity = 0 || System.Double.IsNaN mark then 0.0
        else float h.Quantity * (mark - h.AvgCost) * float multiplier

/// What the broker reports for the whole account, and what of it is the strategy's.
type PositionView =
    { ContractId: ContractId
      Broker: int
      Strategy: int }
    member p.External = p.Broker - p.Strategy

/// Maps are keyed by the contract id's int value: F# Map compares struct-union keys through boxing generic
/// comparison, and the book is looked up on every tick.
type Portfolio =
    { /// The strategy's own holdings, from its own fills (and the option book adopted at start).
      Strategy: Map<int, Holding>
      /// Account-wide positions as last reported by the broker (all client ids).
      Broker: Map<int, int>
      /// The broker's average cost per unit of underlying price, used to adopt the option book at first sync.
      BrokerCost: Map<int, float>
      /// `Strategy` in key order as arrays, with its realised and fee totals: derived, rebuilt whenever a holding
      /// changes (fills, fees, adoption: rare) and read on every tick (P&L, attribution, lookups) without folding
      /// the map. Only this module builds a Portfolio, so they never disagree with `Strategy`.
      Keys: int array
      Held: Holding array
      Realized: float
      Fees: float }

module Portfolio =
    let empty =
        { Strategy = Map.empty; Broker = Map.empty; BrokerCost = Map.empty; Keys = [||]; Held = [||]; Realized = 0.0; Fees = 0.0 }

    let private key (conId: ContractId) = ContractId.value conId
    let private idOf (k: int) = ContractId.create k |> Result.get

    /// Sets the strategy's holdings and rebuilds what is derived from them. The totals are summed in key order, as
    /// the folds they replace were: the same figures, bit for bit.
    let private withStrategy (m: Map<int, Holding>) (p: Portfolio) =
        let keys = Array.zeroCreate m.Count
        let held = Array.zeroCreate m.Count
        let mutable i = 0
        let mutable realized = 0.0
        let mutable fees = 0.0
        for KeyValue(k, h) in m do
            keys.[i] <- k
            held.[i] <- h
            realized <- realized + h.Realized
            fees <- fees + h.Fees
            i <- i + 1
        { p with Strategy = m; Keys = keys; Held = held; Realized = realized; Fees = fees }

    /// The index of a holding in `Keys`/`Held`, or -1. A scan: the strategy holds a handful of contracts.
    let indexOfKey (k: int) (p: Portfolio) =
        let keys = p.Keys
        let mutable i = 0
        let mutable found = -1
        while found < 0 && i < keys.Length do
            if keys.[i] = k then found <- i
            i <- i + 1
        found

    // A scan of the derived arrays rather than Map.tryFind: these run on every tick and must not allocate.
    let holding conId (p: Portfolio) =
        match indexOfKey (key conId) p with
        | -1 -> Holding.empty
        | i -> p.Held.[i]
    let strategyQty conId p = (holding conId p).Quantity
    let brokerQty conId (p: Portfolio) =
        let mutable q = 0
        if p.Broker.TryGetValue(key conId, &q) then q else 0
    let brokerCost conId (p: Portfolio) = p.BrokerCost |> Map.tryFind (key conId)

    let view conId p = { ContractId = conId; Broker = brokerQty conId p; Strategy = strategyQty conId p }

    let applyFill conId multiplier side qty price (p: Portfolio) =
        withStrategy (p.Strategy |> Map.add (key conId) (holding conId p |> Holding.applyFill multiplier side qty price)) p

    let addFee conId fee (p: Portfolio) =
        withStrategy (p.Strategy |> Map.add (key conId) (holding conId p |> Holding.addFee fee)) p

    let setBroker conId qty cost (p: Portfolio) =
        { p with Broker = p.Broker |> Map.add (key conId) qty; BrokerCost = p.BrokerCost |> Map.add (key conId) cost }

    /// Assigns a holding to the strategy (the option book adopted at sync, or restored from the store).
    let adopt conId (h: Holding) (p: Portfolio) = withStrategy (p.Strategy |> Map.add (key conId) h) p

    /// The strategy's holdings with their contract ids.
    let holdings (p: Portfolio) = p.Strategy |> Map.toList |> List.map (fun (k, h) -> idOf k, h)

    /// Every contract the strategy or the broker has a position in.
    let contracts (p: Portfolio) =
        Seq.append (p.Strategy |> Map.keys) (p.Broker |> Map.keys) |> Seq.distinct |> Seq.map idOf |> List.ofSeq

    let totalFees (p: Portfolio) = p.Fees
    let totalRealized (p: Portfolio) = p.Realized
