/// A leg's quote basis and mark vol as a quote is taken (Book.withQuoteBasis): the mark vol is what a restart judges the
/// leg's first quote against, and each change of it may be a write of the engine memory.
module Bifrost.Domain.Tests.Strategy.BookTests

open Expecto
open Bifrost.Domain
open Bifrost.Domain.Strategy
open Bifrost.Domain.Tests.Fixtures

/// A cheap out-of-the-money leg: value 0.30 at a 20 % vol, half a dollar of vega per 1.00 of vol (half a cent a point).
let private cheap (mid: float) (markVol: float) =
    let leg = Book.initialLeg (strategy 1) (legs 1).Head
    { leg with
        Quote = quote leg.Option.ContractId (mid - 0.01) (mid + 0.01) t0
        Vol = 0.2
        VolSource = ImpliedFromMid
        Greeks = { leg.Greeks with Price = 0.30; Vega = 0.5 }
        MarkVol = markVol }

[<Tests>]
let tests =
    testList "Strategy.Book" [
        testCase "MarkVol_IsTheVolTheMidImplies_ToFirstOrder" <| fun () ->
            let l = Book.withQuoteBasis (cheap 0.35 nan)
            Expect.floatClose Accuracy.high l.QuoteBasis 0.05 "the basis"
            Expect.floatClose Accuracy.high l.MarkVol 0.30 "0.20 + 0.05 / 0.5"
        testCase "CheapLeg_MidMovingACent_KeepsItsMarkVol_NoMemoryWritePerFlicker" <| fun () ->
            // One cent is two vol points on this leg: without the rule each flicker would be a new mark vol to save.
            let l = Book.withQuoteBasis (cheap 0.31 0.2)
            Expect.equal l.MarkVol 0.2 "kept: worth one cent on the leg's value"
        testCase "CheapLeg_AMaterialMove_TakesTheNewMarkVol" <| fun () ->
            let l = Book.withQuoteBasis (cheap 0.40 0.2)
            Expect.floatClose Accuracy.high l.MarkVol 0.40 "worth ten cents: taken"
        testCase "FallbackVol_ImpliesNoMarkVol" <| fun () ->
            let l = Book.withQuoteBasis { cheap 0.35 nan with VolSource = FallbackVol }
            Expect.isTrue (System.Double.IsNaN l.MarkVol) "not the market's vol"
    ]
