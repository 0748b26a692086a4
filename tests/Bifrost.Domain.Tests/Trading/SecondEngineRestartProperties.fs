/// A second engine with this run_id (a copied configuration or store) fills orders of our refs; restarts rebuild the
/// engine from the store only. What the live engine refused of those fills (another permId; another client id while our
/// order's permId is unknown) the restore refuses too (FillRule, StoreRestore).
module Bifrost.Domain.Tests.Trading.SecondEngineRestartProperties

open Expecto
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.Fixtures
open Bifrost.Domain.Tests.Trading.BrokerModel
open Bifrost.Domain.Tests.Trading.RestartProperties


[<Tests>]
let tests =
    testList "Trading.SecondEngineRestartProperties" [
        // A restart rebuilds the book the live engine held at the kill: what it refused of a second engine's fills of our
        // refs (another permId; another client id, when our order's permId was not yet known) stays out. Before, every
        // stored fill of a known ref was replayed: the order came back filled 200 of 100 and the stock hedge off for good.
        Props.property "A restart rebuilds the strategy's book and each order's fills as the live engine held them, leaving out a second engine's fills of its refs" 300
            (Prop.forAll (Arb.fromGen genSecondEngineScenario) (fun (legCount, actions) ->
                let cfg = Config.WithClientId(7, restartConfig legCount None)
                let steps, restarts = runWithRestarts cfg actions
                let arr = Array.ofList steps
                restarts |> List.forall (fun r ->
                    let restored = arr.[r.At].After
                    let booked = r.Store.Memory |> Option.map _.OptionBook.Booked |> Option.defaultValue []
                    // A stopped engine records fills it never applies (the properties above judge those).
                    r.Before.Fsm = Stopped
                    || ((underlyingId :: legIdsOf cfg) |> List.forall (fun id ->
                            let was, now = Portfolio.strategyQty id r.Before.Portfolio, Portfolio.strategyQty id restored.Portfolio
                            if was <> now then failwithf "contract %d: %d held live, %d restored" (ContractId.value id) was now
                            true)
                        && r.Before.Orders |> Map.forall (fun ref o ->
                            let back = restored.Orders.[ref]
                            if not (List.contains (OrderRef.value ref) booked) && back.Filled <> o.Filled then
                                failwithf "%s: filled %d of %d live, %d restored" (OrderRef.value ref) o.Filled o.Quantity back.Filled
                            true)))))
        // The property's shrunk counterexample (seed 7675048589600875450,18373704734129655185): the hedge, never
        // acknowledged (permId 0), fills while the engine is stopped; the restart replays that fill, and the order must
        // come back with its permId (as StoreRestore.Build gives it) so that a second engine's fill of the ref under our
        // client id (another permId) is refused live. The model's restore once left it at 0: the live engine took the
        // second engine's 100 as the hedge's (filled 687 of 587) and the next restart, replaying from permId 5002,
        // refused the hedge's own 587 instead (100 restored).
        testCase "A restart gives an order the permId of its replayed fills, so a second engine's fill of its ref after it is refused" <| fun () ->
            let cfg = Config.WithClientId(7, restartConfig 1 None)
            let steps, restarts =
                runWithRestarts cfg [ Base(MoveUnderlying 47); Base(Ctl Stop); Hours 25; Base(Fill 100); Restart; SecondEngineFill false; Restart ]
            let arr = Array.ofList steps
            let first, second = match restarts with [ a; b ] -> a, b | rs -> failwithf "%d restarts" rs.Length
            let hedge (s: State) = s.Orders |> Map.toList |> List.map snd |> List.find (fun o -> o.ContractId = underlyingId)
            Expect.equal (hedge first.Before).PermId 0L "the hedge was never acknowledged before the stop"
            Expect.equal (hedge first.Before).Filled 0 "its fill came while the engine was stopped"
            let back = hedge arr.[first.At].After
            Expect.equal (back.Filled, back.PermId) (back.Quantity, 1001L) "restored with the stored fill and its permId"
            Expect.equal (hedge second.Before).Filled back.Quantity "the second engine's fill (another permId) refused live"
            Expect.equal (hedge arr.[second.At].After).Filled back.Quantity "and at the next restart"
            Expect.equal (Portfolio.strategyQty underlyingId arr.[second.At].After.Portfolio) (Portfolio.strategyQty underlyingId second.Before.Portfolio)
                "the stock hedge restored as the live engine held it"
        Props.seeded "The second-engine scenarios restart after fills refused for their permId, and for their client alone" (fun seed ->
            let runs = Gen.sampleWithSeed seed 60 150 genSecondEngineScenario
            let mutable byPermId, byClientAlone = 0, 0
            for legCount, actions in runs do
                let steps, restarts = runWithRestarts (Config.WithClientId(7, restartConfig legCount None)) actions
                let lastRestart = restarts |> List.map _.At |> List.fold max -1
                steps |> List.iteri (fun i st ->
                    match st.Event.Payload with
                    | ExecutionReported x when x.ExecId |> ExecId.value |> _.StartsWith("se") && i < lastRestart && st.Before.Fsm <> Stopped ->
                        match OrderRef.create x.Ref |> Result.toOption |> Option.bind st.Before.Orders.TryFind with
                        | Some o when o.PermId <> 0L -> byPermId <- byPermId + 1
                        | Some _ when x.ClientId <> 7 -> byClientAlone <- byClientAlone + 1
                        | _ -> ()
                    | _ -> ())
            printfn "second-engine coverage: %d refused by permId, %d by client alone, before a restart" byPermId byClientAlone
            Expect.isGreaterThan byPermId 20 "fills of our refs refused for their permId before a restart"
            Expect.isGreaterThan byClientAlone 5 "fills of our refs refused for their client alone (our permId unknown) before a restart")
    ]
