/// FsCheck 3 without FsCheck.Xunit (not in the reachable registry): run a property and throw on failure.
module Bifrost.Domain.Tests.Props

open FsCheck

let check (maxTest: int) (property: 'p) =
    Check.One(Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithQuietOnSuccess(true), property)

let close (tol: float) (expected: float) (actual: float) =
    abs (expected - actual) <= tol * max 1.0 (abs expected)

open Microsoft.FSharp.Reflection

/// Deep structural equality where NaN equals NaN (quotes carry NaN for "absent"). F#'s generated equality
/// compares float fields with IEEE semantics even under the ER comparer, so replay comparisons need their own.
let rec private deepEqual (a: obj) (b: obj) =
    match a, b with
    | null, null -> true
    | null, _ | _, null -> false
    | (:? float as x), (:? float as y) -> x.Equals y
    | (:? string as x), (:? string as y) -> x = y
    | _ when a.GetType() <> b.GetType() -> false
    | (:? System.Collections.IEnumerable as xs), (:? System.Collections.IEnumerable as ys) ->
        let xs = Seq.cast<obj> xs |> Array.ofSeq
        let ys = Seq.cast<obj> ys |> Array.ofSeq
        xs.Length = ys.Length && Array.forall2 deepEqual xs ys
    | _ when FSharpType.IsRecord(a.GetType(), true) ->
        Array.forall2 deepEqual (FSharpValue.GetRecordFields(a, true)) (FSharpValue.GetRecordFields(b, true))
    | _ when FSharpType.IsUnion(a.GetType(), true) ->
        let ca, fa = FSharpValue.GetUnionFields(a, a.GetType(), true)
        let cb, fb = FSharpValue.GetUnionFields(b, b.GetType(), true)
        ca.Tag = cb.Tag && Array.forall2 deepEqual fa fb
    | _ when a.GetType().IsGenericType && a.GetType().GetGenericTypeDefinition() = typedefof<System.Collections.Generic.KeyValuePair<_, _>> ->
        let t = a.GetType()
        deepEqual (t.GetProperty("Key").GetValue a) (t.GetProperty("Key").GetValue b)
        && deepEqual (t.GetProperty("Value").GetValue a) (t.GetProperty("Value").GetValue b)
    | _ -> a.Equals b

let same (a: 'T) (b: 'T) = deepEqual (box a) (box b)
