module Bifrost.Domain.Tests.OrdersTests

open Xunit
open Bifrost.Domain

let private statuses = [ PendingSubmit; Submitted; PartiallyFilled; Filled; Cancelled; Rejected; Inactive ]
let private updates = [ Acknowledged; PartFilled; FullyFilled; CancelConfirmed; RejectedByBroker; MadeInactive ]

[<Fact>]
let ``The happy path goes PendingSubmit, Submitted, PartiallyFilled, Filled`` () =
    let step s u = match OrderLifecycle.transition s u with Ok s -> s | Error e -> failwith $"{e}"
    Assert.Equal(Filled, [ Acknowledged; PartFilled; PartFilled; FullyFilled ] |> List.fold step PendingSubmit)

[<Fact>]
let ``Submitted after a partial fill does not roll the order back`` () =
    Assert.Equal(Ok PartiallyFilled, OrderLifecycle.transition PartiallyFilled Acknowledged)

[<Fact>]
let ``Nothing leaves a terminal state except its own repeat`` () =
    for s in statuses |> List.filter OrderStatus.isTerminal do
        for u in updates do
            match OrderLifecycle.transition s u with
            | Ok next -> Assert.Equal(s, next)
            | Error e -> Assert.Equal({ From = s; Update = u }, e)

[<Fact>]
let ``A cancelled order cannot be filled: the edge is reported, not thrown`` () =
    Assert.Equal(Error { From = Cancelled; Update = FullyFilled }, OrderLifecycle.transition Cancelled FullyFilled)

[<Fact>]
let ``The table is total: every pair answers`` () =
    for s in statuses do
        for u in updates do
            OrderLifecycle.transition s u |> ignore

[<Fact>]
let ``TWS's Cancelled status after a reject keeps the order Rejected`` () =
    Assert.Equal(Ok Rejected, OrderLifecycle.transition Rejected CancelConfirmed)
