/// The leg guard as a metamorphic property: on a market whose legs are quoted off a moving vol surface, a bad or wide
/// leg quote that a real one follows leaves no trace — the orders, the marks, the P&L, its high-water mark and the book
/// are those of the same feed without it — and no order goes out on it.
module Bifrost.Domain.Tests.Trading.LegQuoteProperties

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Pricing
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures

let sequences = 200

/// What goes wrong with one leg's quote just before its real one, in units of the leg's band (PriceJump.legBand: a
/// fault within it is a move the guard lets through by design).
type Fault =
    /// The mid `tenths`/10 bands off the real one (a bad print), two cents either side.
    | Off of tenths: int
    /// A market maker's pulled quote: three bands wide around the real mid (its bid floored at a cent).
    | Wide

/// One step of the market: seconds passing, the underlying's move (bps), the vol's (tenths of a vol point), and a fault
/// on one leg's quote (leg index, fault) or none.
type MarketStep = { Seconds: float; Bps: int; VolTenths: int; Fault: (int * Fault) option }

let private genFault =
    Gen.oneof [ Gen.elements [ -30; -15; 15; 20; 40; 100 ] |> Gen.map Off; Gen.constant Wide ]

let genSteps =
    Gen.listOfLength 40 (gen {
        let! seconds = Gen.elements [ 0.3; 0.7; 1.0; 2.5 ]
        let! bps = Gen.choose (-60, 60)
        let! volTenths = Gen.choose (-5, 5)
        let! fault = Gen.frequency [ 3, Gen.constant None; 1, Gen.zip (Gen.choose (0, 1)) genFault |> Gen.map Some ]
        return { Seconds = seconds; Bps = bps; VolTenths = volTenths; Fault = fault } })

let cfg = config 2

/// A leg's real quote: its Black–Scholes value at the true vol, two cents either side.
let private realQuote (leg: LegConfig) (spot: float) (vol: float) (t: Timestamp) =
    let inputs = { Spot = spot; Strike = leg.Option.Strike; Years = OptionContract.yearsToExpiry t leg.Option; Rate = cfg.Strategy.RiskFreeRate
                   Dividend = cfg.Strategy.DividendYield; Vol = vol }
    let v = BlackScholes.price leg.Option.Right inputs
    quote leg.Option.ContractId (v - 0.02) (v + 0.02) t

let private faulty (band: float) (q: Quote) fault =
    let mid = Quote.mid q
    match fault with
    | Off tenths ->
        // Below three cents the fault is taken the other way (a price is never under zero).
        let down = mid + float tenths / 10.0 * band
        let m = if down >= 0.03 then down else mid + abs (float tenths) / 10.0 * band
        { q with Bid = m - 0.02; Ask = m + 0.02; Last = m }
    | Wide -> let bid = max 0.01 (mid - 1.5 * band) in { q with Bid = bid; Ask = bid + 3.0 * band; Last = mid }

type private Run =
    { State: State; Orders: (Side * int) list; Trace: (float * float) list; HeldSteps: int; OrdersOnHeld: int
      /// The market at the end: the spot, each leg's true vol, the time.
      Spot: float; Vols: float list; Time: Timestamp }

/// Runs the market from the hedged start (legs quoted at 3.00, the spot at 100: the vol the legs imply), filling every
/// order at once at the spot; `withFaults` puts each step's fault in before that leg's real quote, with a clock step
/// between them. The trace: the strategy's P&L and its high-water mark after every step.
let private run (steps: MarketStep list) (withFaults: bool) =
    let s0 = hedged cfg
    // Each leg from the vol its 3.00 implies (the call's and the put's differ), moving together.
    let vols0 = s0.Legs |> Array.map (fun l -> l.Vol) |> List.ofArray
    let step (r: Run, spot: float, vols: float list, t: Timestamp) (m: MarketStep) =
        let t = Timestamp.add (Duration.ofSeconds m.Seconds) t
        let spot = spot * (1.0 + float m.Bps / 10_000.0)
        let vols = vols |> List.map (fun v -> max 0.05 (v + float m.VolTenths / 1_000.0))
        let quoted (q: Quote) = at t (QuoteReceived q)
        let apply (r: Run) events =
            events |> List.fold (fun (r: Run) e ->
                let s, cmds = Reducer.step cfg r.State e
                let orders = placed cmds
                // Held by this very quote (the hedge may go on meanwhile, at the accepted vol: not on the held quote).
                let heldNow = match e.Payload with QuoteReceived q -> s.HeldQuotes.ContainsKey q.ContractId | _ -> false
                let s = orders |> List.fold (fun s o -> fst (Reducer.step cfg s (at t (execFor o o.Quantity spot $"x{t.Nanos}{o.IbOrderId}")))) s
                { r with
                    State = s
                    Orders = r.Orders @ (orders |> List.map (fun o -> o.Side, o.Quantity))
                    HeldSteps = r.HeldSteps + (if heldNow then 1 else 0)
                    OrdersOnHeld = r.OrdersOnHeld + (if heldNow then orders.Length else 0) }) r
        // The underlying first: the legs revalued at the new price are what the guard judges the faults against.
        let r = apply r [ quoted (quote underlyingId (spot - 0.01) (spot + 0.01) t) ]
        // The faults, in bands of the leg as the guard judges it (the band moves with the price: sized on the band
        // before the underlying's move, a fault on a cheap leg the move had made dearer fell inside the wider band
        // and was taken — a property failure, 1 run in ~12, of the test's own making), then a clock step (the limits
        // and the high-water mark judged with them standing), then the real quotes and another clock step.
        let faults, reals =
            cfg.Strategy.Legs |> List.mapi (fun i leg ->
                let real = realQuote leg spot vols.[i] t
                match m.Fault with
                | Some(j, f) when withFaults && j = i -> [ faulty (PriceJump.legBand cfg r.State.Legs.[i]) real f ], real
                | _ -> [], real)
            |> List.unzip
        let r = apply r ((List.concat faults |> List.map quoted) @ [ at t ClockTicked ] @ (reals |> List.map quoted) @ [ at t ClockTicked ])
        { r with Trace = r.Trace @ [ State.totalPnl cfg r.State, r.State.HighWater ] }, spot, vols, t
    let empty = { State = s0; Orders = []; Trace = []; HeldSteps = 0; OrdersOnHeld = 0; Spot = 100.0; Vols = vols0; Time = sec 1.0 }
    let r, spot, vols, t = steps |> List.fold step (empty, 100.0, vols0, sec 1.0)
    { r with Spot = spot; Vols = vols; Time = t }

/// The engine restarted from what the store holds of `s` (orders, fills, memory), the account as the strategy holds it,
/// and the underlying quoted at `spot`: no leg quoted yet.
let private restarted (s: State) (spot: float) (t: Timestamp) =
    let at' dt p = at (Timestamp.add (Duration.ofSeconds dt) t) p
    Reducer.run cfg (State.initial cfg)
        [ at' 0.0 (EngineStarted(restoredFrom s))
          at' 0.1 (BrokerConnected [ cfg.Account ])
          for l in cfg.Strategy.Legs do at' 0.2 (PositionReported(l.Option.ContractId, l.Quantity, 3.0))
          at' 0.2 (PositionReported(underlyingId, State.hedgePosition cfg s, 100.0))
          at' 0.3 PositionsEnded; at' 0.3 OpenOrdersEnded; at' 0.3 ExecutionsEnded
          at' 0.4 (QuoteReceived(quote underlyingId (spot - 0.01) (spot + 0.01) (Timestamp.add (Duration.ofSeconds 0.4) t))) ]
    |> fst

/// A restart after `steps`, and leg `i`'s real first quote and a faulty one a second later: the leg as the guard judges
/// it (at its remembered mark vol), its expected mid and band, and whether the fault lies beyond that band.
type private RestartCase = { State: State; Time: Timestamp; Real: Quote; Bad: Quote; Reference: float; Band: float; Beyond: bool }

let private restartCase (steps: MarketStep list) (i: int) (fault: Fault) =
    let before = run steps false
    let t = Timestamp.add (Duration.ofSeconds 60.0) before.Time
    let s = restarted before.State before.Spot t
    let t = Timestamp.add (Duration.ofSeconds 1.0) t
    let real = realQuote cfg.Strategy.Legs.[i] before.Spot before.Vols.[i] t
    // In bands of the leg as the guard judges it, at its remembered mark vol: sized on the band of the leg as last
    // marked, a fault on a leg the remembered vol values dearer fell inside the wider band.
    let judged = PriceJump.legAsJudged cfg s t s.Legs.[i]
    let band = PriceJump.legBand cfg judged
    let bad = faulty band real fault
    let reference = judged.Greeks.Price + judged.QuoteBasis
    { State = s; Time = t; Real = real; Bad = bad; Reference = reference; Band = band
      Beyond = PriceJump.isWide band bad || abs (Quote.mid bad - reference) > band }

[<Tests>]
let tests =
    testList "Trading.LegQuoteProperties" [
        Props.property "A bad or wide leg quote that a real one follows leaves no trace: the same orders, marks, P&L, high-water mark and book" sequences
            (Prop.forAll (Arb.fromGen genSteps) (fun steps ->
                let clean = run steps false
                let dirty = run steps true
                let faults = steps |> List.filter (fun m -> m.Fault.IsSome) |> List.length
                if dirty.HeldSteps <> faults || clean.HeldSteps <> 0 then failwithf "%d faults, %d held (clean feed: %d held)" faults dirty.HeldSteps clean.HeldSteps
                if clean.Orders <> dirty.Orders then failwithf "orders differ:\nwithout bad quotes %A\nwith them          %A" clean.Orders dirty.Orders
                List.zip clean.Trace dirty.Trace |> List.iteri (fun i ((p1, h1), (p2, h2)) ->
                    if abs (p1 - p2) > 1e-6 || abs (h1 - h2) > 1e-6 then
                        failwithf "step %d: P&L %.4f / high-water %.4f without the bad quotes, %.4f / %.4f with them" i p1 h1 p2 h2)
                if Portfolio.holdings clean.State.Portfolio <> Portfolio.holdings dirty.State.Portfolio then failwith "books differ"
                if dirty.OrdersOnHeld > 0 then failwithf "%d orders on a held leg quote" dirty.OrdersOnHeld
                true))
        // Restart in the alphabet: after any market path the engine restarts from the store; each leg's first quote is
        // judged against the model at the vol it was last marked at (remembered up to a vol point stale, and the mark
        // vol itself moves only on a move worth five cents of the leg's value). A fault within the band of that
        // reference is a move the guard lets through by design (rare: the coverage check counts them); one beyond it
        // must be held.
        Props.property "After a restart a leg's real first quote is taken, and a bad or wide one is held: never its mark" sequences
            (Prop.forAll (Arb.fromGen (Gen.zip3 genSteps (Gen.choose (0, 1)) genFault))
                (fun (steps, i, fault) ->
                    let c = restartCase steps i fault
                    let leg = cfg.Strategy.Legs.[i]
                    let taken, _ = Reducer.step cfg c.State (at c.Time (QuoteReceived c.Real))
                    if taken.HeldQuotes.ContainsKey leg.Option.ContractId then
                        failwithf "the real first quote %.2f held (expected %.2f ± %.2f at the remembered vol %A)"
                            (Quote.mid c.Real) c.Reference c.Band c.State.Memory.LegVols
                    let held, _ = Reducer.step cfg c.State (at c.Time (QuoteReceived c.Bad))
                    if c.Beyond && not (held.HeldQuotes.ContainsKey leg.Option.ContractId) then
                        failwithf "the bad first quote %.2f (real %.2f, expected %.2f ± %.2f, %A) taken" (Quote.mid c.Bad) (Quote.mid c.Real) c.Reference c.Band fault
                    let mark = State.mark cfg held leg.Option.ContractId
                    if c.Beyond && abs (mark - Quote.mid c.Real) > c.Band then
                        failwithf "the leg marked %.2f on the bad quote %.2f (real %.2f)" mark (Quote.mid c.Bad) (Quote.mid c.Real)
                    true))
        Props.seeded "The restart's leg faults are mostly beyond the band of the remembered reference (the property above is not vacuous)" (fun seed ->
            let cases = Gen.sampleWithSeed seed 40 300 (Gen.zip3 genSteps (Gen.choose (0, 1)) genFault)
            let beyond = cases |> Array.filter (fun (steps, i, fault) -> (restartCase steps i fault).Beyond) |> Array.length
            printfn "restart leg-fault coverage: %d of %d faults beyond the band of the remembered reference" beyond cases.Length
            Expect.isGreaterThanOrEqual beyond (cases.Length * 9 / 10) "nine in ten faults are judged")
        Props.seeded "The leg-quote scenarios are not vacuous: bad and wide leg quotes are held, and the clean feed is never held" (fun seed ->
            let cases = Gen.sampleWithSeed seed 40 60 genSteps
            let mutable held, cleanHeld, faults = 0, 0, 0
            for steps in cases do
                held <- held + (run steps true).HeldSteps
                cleanHeld <- cleanHeld + (run steps false).HeldSteps
                faults <- faults + (steps |> List.filter (fun m -> m.Fault.IsSome) |> List.length)
            printfn "leg-quote coverage: %d faults, %d held steps (clean feed: %d)" faults held cleanHeld
            Expect.equal cleanHeld 0 "a leg quoted off a moving surface (spot ±0.6 %, vol ±0.5 point a step) is never held"
            Expect.isGreaterThanOrEqual held faults "every fault held")
    ]
