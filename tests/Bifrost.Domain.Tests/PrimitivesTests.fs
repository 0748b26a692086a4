module Bifrost.Domain.Tests.PrimitivesTests

open Expecto
open Bifrost.Domain

let private isError = function Error _ -> true | Ok _ -> false

[<Tests>]
let tests =
    testList "Primitives" [
        testCase "Price rejects negative and non-finite values" <| fun () ->
            Expect.isTrue (isError (Price.create -0.01)) "isError (Price.create -0.01)"
            Expect.isTrue (isError (Price.create nan)) "isError (Price.create nan)"
            Expect.isTrue (isError (Price.create infinity)) "isError (Price.create infinity)"
            Expect.equal (Price.create 12.5 |> Result.map Price.value) (Ok 12.5) "Price.create 12.5 |> Result.map Price.value"
        testCase "Quantity must be strictly positive" <| fun () ->
            Expect.isTrue (isError (Quantity.create 0)) "isError (Quantity.create 0)"
            Expect.isTrue (isError (Quantity.create -5)) "isError (Quantity.create -5)"
            Expect.equal (Quantity.create 5 |> Result.map Quantity.value) (Ok 5) "Quantity.create 5 |> Result.map Quantity.value"
        testCase "ContractId must be strictly positive" <| fun () ->
            match ContractId.create 0 with
            | Error e -> Expect.equal e.Field "contract_id" "e.Field"
            | Ok _ -> failwith "accepted 0"
        testCase "OrderRef is deterministic per run and sequence and refuses spaces or long text" <| fun () ->
            Expect.equal (OrderRef.forRun "r1" 7L |> Result.map OrderRef.value) (Ok "oi_r1_7") "OrderRef.forRun \"r1\" 7L |> Result.map OrderRef.value"
            Expect.isTrue (isError (OrderRef.create "has space")) "isError (OrderRef.create \"has space\")"
            Expect.isTrue (isError (OrderRef.create (String.replicate 41 "x"))) "isError (OrderRef.create (String.replicate 41 \"x\"))"
            Expect.isTrue (OrderRef.isBifrost "oi_r1_7") "OrderRef.isBifrost \"oi_r1_7\""
            Expect.isFalse (OrderRef.isBifrost "manual-1") "OrderRef.isBifrost \"manual-1\""
        testCase "Timestamp day number floors before the epoch" <| fun () ->
            Expect.equal (Timestamp.dayNumber 0 (Timestamp -1L)) -1L "Timestamp.dayNumber 0 (Timestamp -1L)"
            Expect.equal (Timestamp.dayNumber 0 (Timestamp 0L)) 0L "Timestamp.dayNumber 0 (Timestamp 0L)"
    ]
