module Bifrost.Domain.Tests.PrimitivesTests

open Xunit
open Bifrost.Domain

let private isError = function Error _ -> true | Ok _ -> false

[<Fact>]
let ``Price rejects negative and non-finite values`` () =
    Assert.True(isError (Price.create -0.01))
    Assert.True(isError (Price.create nan))
    Assert.True(isError (Price.create infinity))
    Assert.Equal(Ok 12.5, Price.create 12.5 |> Result.map Price.value)

[<Fact>]
let ``Quantity must be strictly positive`` () =
    Assert.True(isError (Quantity.create 0))
    Assert.True(isError (Quantity.create -5))
    Assert.Equal(Ok 5, Quantity.create 5 |> Result.map Quantity.value)

[<Fact>]
let ``ContractId must be strictly positive`` () =
    match ContractId.create 0 with
    | Error e -> Assert.Equal("contract_id", e.Field)
    | Ok _ -> failwith "accepted 0"

[<Fact>]
let ``OrderRef is deterministic per run and sequence and refuses spaces or long text`` () =
    Assert.Equal(Ok "oi_r1_7", OrderRef.forRun "r1" 7L |> Result.map OrderRef.value)
    Assert.True(isError (OrderRef.create "has space"))
    Assert.True(isError (OrderRef.create (String.replicate 41 "x")))
    Assert.True(OrderRef.isBifrost "oi_r1_7")
    Assert.False(OrderRef.isBifrost "manual-1")

[<Fact>]
let ``Timestamp day number floors before the epoch`` () =
    Assert.Equal(-1L, Timestamp.dayNumber 0 (Timestamp -1L))
    Assert.Equal(0L, Timestamp.dayNumber 0 (Timestamp 0L))
