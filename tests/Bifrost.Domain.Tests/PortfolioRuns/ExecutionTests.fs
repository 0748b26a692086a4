module Bifrost.Domain.Tests.PortfolioRuns.ExecutionTests

open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

let private key run symbol side snap = { RunId = run; Symbol = symbol; Side = side; SnapshotId = snap }

/// The broker as the executor sees it: orders sent (by ref), each working or filled.
let private sendAll (exec: ExecutionInputs) (plan: PlannedLine list) (fillThem: bool) =
    let sent =
        Execution.placements plan
        |> List.map (fun (r, k, q, _) ->
            { Ref = OrderRef.value r; Symbol = k.Symbol; Side = k.Side; Quantity = q; Filled = (if fillThem then q else 0); Working = not fillThem })
    let filled (held: Map<string, int>) =
        if fillThem then
            sent |> List.fold (fun (m: Map<string, int>) o ->
                m |> Map.add o.Symbol ((m |> Map.tryFind o.Symbol |> Option.defaultValue 0) + Side.sign o.Side * o.Quantity)) held
        else held
    { exec with Known = exec.Known @ sent; Positions = filled exec.Positions; Account = filled exec.Account }, sent

[<Tests>]
let tests =
    testList "PortfolioRuns.Execution" [
        testCase "OrderRef_IsShortDeterministicAndBifrosts" <| fun () ->
            let k = key "weekly-20261207-run-with-a-very-long-name" "BRK.B" Buy "snapshot-with-a-long-id-000000001"
            let r = OrderKey.orderRef k |> Result.get |> OrderRef.value
            Expect.equal r.Length 28 "oi_p + 24 hex"
            Expect.isTrue (r.Length <= OrderRef.maxLength) "within the orderRef rule"
            Expect.isTrue (OrderRef.isBifrost r) "recognised as Bifrost's"
            Expect.equal (r.LastIndexOf '_') 2 "no sequence suffix to misread as oi_{run}_{i}"
            Expect.equal (OrderKey.orderRef k |> Result.get |> OrderRef.value) r "same key, same ref"
        testCase "OrderRef_DiffersByRunSymbolSideAndSnapshot" <| fun () ->
            let refs =
                [ key "r1" "AAPL" Buy "s1"; key "r2" "AAPL" Buy "s1"; key "r1" "MSFT" Buy "s1"; key "r1" "AAPL" Sell "s1"; key "r1" "AAPL" Buy "s2" ]
                |> List.map (OrderKey.orderRef >> Result.get)
            Expect.equal (List.distinct refs).Length 5 "one ref per key"
        testCase "Plan_SendsTargetMinusPosition_AtTheFreshPrice" <| fun () ->
            let plan = Execution.plan { execInputs "r1" with Positions = Map [ "AAPL", 20 ] } snapshot |> Result.get
            Expect.equal (Execution.placements plan |> List.map (fun (_, k, q, p) -> k.Symbol, k.Side, q, p))
                [ "AAPL", Buy, 30, 200.0; "MSFT", Buy, 25, 400.0 ] "orders"
        testCase "Plan_WithAStaleQuote_RejectsThatOrderForMarketData_AndSendsTheOthers" <| fun () ->
            let stale = { execInputs "r1" with Quotes = execInputs("r1").Quotes |> Map.add "MSFT" { Price = 400.0; Bid = 399.99; Ask = 400.01; ReceivedAt = Timestamp.add (Duration.ofSeconds -60.0) monday } }
            let plan = Execution.plan stale snapshot |> Result.get
            Expect.equal (plan |> List.map (function Place(_, k, _, _) -> $"place {k.Symbol}" | NoFreshQuote(_, k, _) -> $"stale {k.Symbol}" | other -> $"%A{other}"))
                [ "place AAPL"; "stale MSFT" ] "MSFT has no fresh quote"
            let missing = Execution.plan { execInputs "r1" with Quotes = Map.empty } snapshot |> Result.get
            Expect.isEmpty (Execution.placements missing) "no quote at all: nothing sent"
        testCase "SameRunRetried_AfterARestart_SendsNothingNew" <| fun () ->
            let exec = execInputs "r1"
            let plan = Execution.plan exec snapshot |> Result.get
            let afterSend, _ = sendAll exec plan false
            // Restart: the store gives back the known orders; the positions have not moved yet.
            let retry = Execution.plan afterSend snapshot |> Result.get
            Expect.isEmpty (Execution.placements retry) "working orders count; their refs exist"
        testCase "SnapshotExecutedAgainByANewRun_AfterTheFirstFilled_SendsNothing" <| fun () ->
            let exec = execInputs "r1"
            let afterFill, _ = sendAll exec (Execution.plan exec snapshot |> Result.get) true
            let second = Execution.plan { afterFill with RunId = "r2" } snapshot |> Result.get
            Expect.isEmpty (Execution.placements second) "at target"
            Expect.isTrue (second |> List.forall (function AtTarget _ -> true | _ -> false)) "every line at target"
        testCase "HeldSymbol_WhosePositionMovedSinceTheSnapshot_IsLeftAlone" <| fun () ->
            let snap = snapshotOf "s-hold" { inputs with Positions = Map [ "AAPL", 30 ] } [ signal "AAPL" HoldSignal 1.0 1.0; signal "MSFT" BuySignal 1.0 1.0 ]
            let plan = Execution.plan { execInputs "r1" with Positions = Map [ "AAPL", 40 ] } snap |> Result.get
            Expect.equal (Execution.placements plan |> List.map (fun (_, k, _, _) -> k.Symbol)) [ "MSFT" ] "hold means do not trade"
        testCase "Plan_OnAOneSidedOrWideQuote_RefusesTheLineForMarketData_NamingIt_AndSendsTheOthers" <| fun () ->
            let quoted bid ask = { execInputs "r1" with Quotes = execInputs("r1").Quotes |> Map.add "MSFT" { Price = 400.0; Bid = bid; Ask = ask; ReceivedAt = monday } }
            let lines bid ask =
                Execution.plan (quoted bid ask) snapshot |> Result.get
                |> List.map (function Place(_, k, _, _) -> $"place {k.Symbol}" | UnfitQuote(_, k, q, why) -> $"{k.Symbol} {q}: {why}" | other -> $"%A{other}")
            Expect.equal (lines 380.0 420.0) [ "place AAPL"; "MSFT 25: market_data_error: MSFT quote 380.00/420.00 is 1000 bps wide, over portfolio.max_spread_bps 50" ] "wide"
            Expect.equal (lines -1.0 420.0) [ "place AAPL"; "MSFT 25: market_data_error: MSFT quote is not two-sided (bid -1, ask 420)" ] "no bid"
            Expect.equal (lines 400.0 nan) [ "place AAPL"; "MSFT 25: market_data_error: MSFT quote is not two-sided (bid 400, ask NaN)" ] "no ask"
            Expect.equal (lines 401.0 399.0) [ "place AAPL"; "MSFT 25: market_data_error: MSFT quote is not two-sided (bid 401, ask 399)" ] "crossed"
            Expect.equal (lines 399.0 401.0) [ "place AAPL"; "place MSFT" ] "50 bps: within the limit"
        testCase "Plan_SellWithoutAllowShort_IsCappedAtTheAccountsHolding_ToNothingWhenItHoldsNone" <| fun () ->
            // The strategy counts 50 AAPL; the operator sold some or all of them by hand.
            let snap = snapshotOf "s-sell" { inputs with Positions = Map [ "AAPL", 50 ] } [ signal "AAPL" SellSignal 1.0 1.0 ]
            let planFor account allowShort =
                Execution.plan { execInputs "r1" with Positions = Map [ "AAPL", 50 ]; Account = Map [ "AAPL", account ]; AllowShort = allowShort } snap |> Result.get
            let sells plan = Execution.placements plan |> List.map (fun (_, k, q, _) -> k.Side, q)
            Expect.equal (sells (planFor 50 false)) [ Sell, 50 ] "the account holds them: sold"
            Expect.isEmpty (Execution.caps (planFor 50 false)) "not capped"
            Expect.equal (sells (planFor 20 false)) [ Sell, 20 ] "capped at the account's 20"
            Expect.equal (Execution.caps (planFor 20 false)) [ "AAPL: sell of 50 capped at the account's 20 AAPL: allow_short is false (20 to sell; the strategy counts 50)" ] "said why"
            Expect.isEmpty (sells (planFor 0 false)) "none held: nothing sent"
            Expect.equal (planFor 0 false) [ CappedSell(AtTarget "AAPL", "AAPL: sell of 50 capped at the account's 0 AAPL: allow_short is false (0 to sell; the strategy counts 50)") ] "capped to nothing"
            Expect.equal (sells (planFor 0 true)) [ Sell, 50 ] "allow_short: the short is meant"
        Props.property "Without allow_short, no plan's sells take the account below zero, working sells counted" 500
            (Prop.forAll (Arb.fromGen (Gen.zip3 (Gen.choose (0, 120)) (Gen.choose (0, 120)) (Gen.choose (0, 60)))) (fun (strategy, account, working) ->
                let snap = snapshotOf "s-sell" { inputs with Positions = Map [ "AAPL", strategy ] } [ signal "AAPL" SellSignal 1.0 1.0 ]
                let known = [ for _ in 1 .. (if working > 0 then 1 else 0) -> { Ref = "oi_pworking"; Symbol = "AAPL"; Side = Sell; Quantity = working; Filled = 0; Working = true } ]
                let exec = { execInputs "r1" with Positions = Map [ "AAPL", strategy ]; Account = Map [ "AAPL", account ]; Known = known }
                let sold = Execution.plan exec snap |> Result.get |> Execution.placements |> List.sumBy (fun (_, k, q, _) -> Side.sign k.Side * -q)
                sold <= 0 || account - working - sold >= 0))
        Props.property "The same snapshot executed twice produces no second order (retry, restart, or a new run, filled or working)" 500
            (Prop.forAll (Arb.fromGen (Gen.zip3 (Gen.choose (-100, 100)) (Gen.elements [ true; false ]) (Gen.elements [ "r1"; "r2" ]))) (fun (held, filled, secondRun) ->
                let exec = { execInputs "r1" with Positions = Map [ "AAPL", held ]; Account = Map [ "AAPL", max 0 held ] }
                let first = Execution.plan exec snapshot |> Result.get
                let after, sent = sendAll exec first filled
                let second = Execution.plan { after with RunId = secondRun } snapshot |> Result.get
                let refs = sent |> List.map _.Ref
                not sent.IsEmpty
                && Execution.placements second |> List.isEmpty
                && (refs |> List.distinct).Length = refs.Length))
    ]
