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
    let positions =
        if fillThem then
            sent |> List.fold (fun (m: Map<string, int>) o ->
                m |> Map.add o.Symbol ((m |> Map.tryFind o.Symbol |> Option.defaultValue 0) + Side.sign o.Side * o.Quantity)) exec.Positions
        else exec.Positions
    { exec with Known = exec.Known @ sent; Positions = positions }, sent

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
            let stale = { execInputs "r1" with Quotes = execInputs("r1").Quotes |> Map.add "MSFT" { Price = 400.0; ReceivedAt = Timestamp.add (Duration.ofSeconds -60.0) monday } }
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
        Props.property "The same snapshot executed twice produces no second order (retry, restart, or a new run, filled or working)" 500
            (Prop.forAll (Arb.fromGen (Gen.zip3 (Gen.choose (-100, 100)) (Gen.elements [ true; false ]) (Gen.elements [ "r1"; "r2" ]))) (fun (held, filled, secondRun) ->
                let exec = { execInputs "r1" with Positions = Map [ "AAPL", held ] }
                let first = Execution.plan exec snapshot |> Result.get
                let after, sent = sendAll exec first filled
                let second = Execution.plan { after with RunId = secondRun } snapshot |> Result.get
                let refs = sent |> List.map _.Ref
                not sent.IsEmpty
                && Execution.placements second |> List.isEmpty
                && (refs |> List.distinct).Length = refs.Length))
    ]
