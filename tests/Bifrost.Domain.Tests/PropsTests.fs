/// The properties' own equality: Props.same decides every "same state" claim of the reducer properties, so a lenient
/// comparison would let them pass on anything.
module Bifrost.Domain.Tests.PropsTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Trading
open Bifrost.Domain.Tests.Fixtures

/// A running state with two legs, quoted (the states the reducer properties compare).
let private running () =
    let cfg = config 2
    fst (runAll cfg (startEvents cfg 100.0))

[<Tests>]
let tests =
    testList "Props" [
        testCase "Same_StateAndItsRebuiltCopy_AreSame" <| fun () ->
            let s = running ()
            let copy = { s with Legs = Array.map (fun l -> { l with Vol = l.Vol + 0.0 }) s.Legs; Portfolio = { s.Portfolio with Broker = Map.ofList (Map.toList s.Portfolio.Broker) } }
            Expect.isTrue (Props.same s copy) "a rebuilt copy with equal parts is the same"

        testCase "Same_NaNInBothQuotes_IsSame" <| fun () ->
            let q = { quote underlyingId 99.0 101.0 t0 with Last = nan }
            Expect.isTrue (Props.same q { q with Bid = 99.0 }) "NaN equals NaN"

        testCase "Same_OneLegVolApartDeepInTheState_IsNotSame" <| fun () ->
            let s = running ()
            let legs = Array.copy s.Legs
            legs[1] <- { legs[1] with Vol = legs[1].Vol + 1e-12 }
            Expect.isFalse (Props.same s { s with Legs = legs }) "a leg's vol differs"

        testCase "Same_UnionCaseOrCaseFieldApart_IsNotSame" <| fun () ->
            Expect.isFalse (Props.same (Some 1.0) None) "Some vs None"
            Expect.isFalse (Props.same (Halted(DailyLossBreached -500.0)) (Halted(DailyLossBreached -501.0))) "the halt's loss differs"
            Expect.isFalse (Props.same (Halted(DailyLossBreached -500.0)) (Halted(StopLossHit -500.0))) "the halt's reason differs"
            Expect.isFalse (Props.same (Halted(DailyLossBreached -500.0)) Paused) "Halted vs Paused"

        testCase "Same_MapValueOrTupleItemApart_IsNotSame" <| fun () ->
            Expect.isFalse (Props.same (Map.ofList [ 1, 2.0 ]) (Map.ofList [ 1, 2.5 ])) "a map's value differs"
            Expect.isFalse (Props.same (Map.ofList [ 1, 2.0 ]) (Map.ofList [ 3, 2.0 ])) "a map's key differs"
            Expect.isFalse (Props.same (1, "a", 2.0) (1, "a", 2.5)) "a tuple's item differs"
            Expect.isFalse (Props.same [ 1.0; 2.0 ] [ 1.0 ]) "a list's length differs"
    ]
