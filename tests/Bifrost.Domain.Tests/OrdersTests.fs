module Bifrost.Domain.Tests.OrdersTests

open Expecto
open Bifrost.Domain

let private statuses = [ PendingSubmit; Submitted; PartiallyFilled; Filled; Cancelled; Rejected; Inactive ]

let private updates = [ Acknowledged; PartFilled; FullyFilled; CancelConfirmed; RejectedByBroker; MadeInactive ]

[<Tests>]
let tests =
    testList "Orders" [
        testCase "The happy path goes PendingSubmit, Submitted, PartiallyFilled, Filled" <| fun () ->
            let step s u = match OrderLifecycle.transition s u with Ok s -> s | Error e -> failwith $"{e}"
            Expect.equal ([ Acknowledged; PartFilled; PartFilled; FullyFilled ] |> List.fold step PendingSubmit) Filled "[ Acknowledged; PartFilled; PartFilled; FullyFilled ] |> List.fold step PendingSubmit"
        testCase "Submitted after a partial fill does not roll the order back" <| fun () ->
            Expect.equal (OrderLifecycle.transition PartiallyFilled Acknowledged) (Ok PartiallyFilled) "OrderLifecycle.transition PartiallyFilled Acknowledged"
        testCase "Nothing leaves a terminal state except its own repeat" <| fun () ->
            for s in statuses |> List.filter OrderStatus.isTerminal do
                for u in updates do
                    match OrderLifecycle.transition s u with
                    | Ok next -> Expect.equal next s "next"
                    | Error e -> Expect.equal e ({ From = s; Update = u }) "e"
        testCase "A cancelled order cannot be filled: the edge is reported, not thrown" <| fun () ->
            Expect.equal (OrderLifecycle.transition Cancelled FullyFilled) (Error { From = Cancelled; Update = FullyFilled }) "OrderLifecycle.transition Cancelled FullyFilled"
        testCase "The table is total: every pair answers" <| fun () ->
            for s in statuses do
                for u in updates do
                    OrderLifecycle.transition s u |> ignore
        testCase "TWS's Cancelled status after a reject keeps the order Rejected" <| fun () ->
            Expect.equal (OrderLifecycle.transition Rejected CancelConfirmed) (Ok Rejected) "OrderLifecycle.transition Rejected CancelConfirmed"
        testCase "TWS's Inactive status after a 201 reject keeps the order Rejected, not an anomaly" <| fun () ->
            // The reference's reject sequence: error 201, then orderStatus Inactive or Cancelled.
            Expect.equal (OrderLifecycle.transition Rejected MadeInactive) (Ok Rejected) "OrderLifecycle.transition Rejected MadeInactive"
    ]
