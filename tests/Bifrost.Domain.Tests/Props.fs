/// Property tests on Expecto.FsCheck, with a seed that is always known and printed on failure.
///
/// Writing one: `Props.property "Scenario in words" maxTest (Prop.forAll arb (fun x -> ...))` is an Expecto test
/// value; put it in the module's `testList` (model-based: see `scenarioProperty` in Trading/ReducerProperties.fs).
///
/// Replaying a failure: the failure message prints "Seed: S,G" and ends with a ready-to-paste command, e.g.
///     BIFROST_FSCHECK_REPLAY=1234,5677 dotnet run --project tests/Bifrost.Domain.Tests -c Release -- --filter-test-case "Scenario in words"
/// BIFROST_FSCHECK_REPLAY="seed,gamma" makes every property start from that seed (FsCheck then generates the same
/// cases and shrinks to the same counterexample); "seed,gamma,size" (Expecto's "Focus on error" numbers) reruns only
/// the failing case. BIFROST_FSCHECK_SEED=text (CI: the commit id) derives every seed from the text and the property's
/// name. Without either, each property draws a fresh seed per run; BIFROST_FSCHECK_SCALE=N multiplies every
/// property's case count (soak runs). Pin a found counterexample for good as a
/// named example-based regression test.
module Bifrost.Domain.Tests.Props

open System
open Expecto
open FsCheck

let private replayVariable = "BIFROST_FSCHECK_REPLAY"

/// "seed,gamma" replays the whole run (from the "Seed:" line of a failure); "seed,gamma,size" replays only the
/// failing case (the numbers of Expecto's "Focus on error" line).
let private replaySeed () =
    match Environment.GetEnvironmentVariable replayVariable with
    | null | "" -> None
    | text ->
        let parts = text.Split(',') |> Array.map (fun p -> p.Trim().TrimEnd('U', 'L'))
        match parts |> Array.map UInt64.TryParse with
        | [| (true, seed); (true, gamma) |] -> Some(seed, gamma, None)
        | [| (true, seed); (true, gamma); (true, size) |] when size <= uint64 Int32.MaxValue -> Some(seed, gamma, Some(int size))
        | _ -> failwith $"{replayVariable} must be \"seed,gamma\" or \"seed,gamma,size\" (unsigned integers), got \"{text}\""


/// BIFROST_FSCHECK_SEED=text (CI sets the commit id) derives each property's seed from the text and the property's
/// name: the same commit draws the same cases on every machine, so a CI run is reproduced by running the same
/// command with the same variable, and different commits still explore different cases.
let private derivedSeed (name: string) =
    match Environment.GetEnvironmentVariable "BIFROST_FSCHECK_SEED" with
    | null | "" -> None
    | text ->
        let hash = Security.Cryptography.SHA256.HashData(Text.Encoding.UTF8.GetBytes(text + "\n" + name))
        let r = Rnd(BitConverter.ToUInt64(hash, 0), BitConverter.ToUInt64(hash, 8) ||| 1UL)
        Some(r.Seed, r.Gamma, None)

let private drawSeed (name: string) =
    match replaySeed () with
    | Some s -> s
    | None ->
    match derivedSeed name with
    | Some s -> s
    | None ->
        // System.Random.Shared: distinct per execution (a clock-based seed may repeat across parallel tests).
        let r = Rnd(uint64 (System.Random.Shared.NextInt64()))
        r.Seed, r.Gamma, None

/// BIFROST_FSCHECK_SCALE=N runs every property on N times its cases (a soak run hunting rare failures).
let private scale () =
    match Environment.GetEnvironmentVariable "BIFROST_FSCHECK_SCALE" with
    | null | "" -> 1
    | text ->
        match Int32.TryParse text with
        | true, n when n >= 1 -> n
        | _ -> failwith $"BIFROST_FSCHECK_SCALE must be a whole number >= 1, got \"{text}\""

/// The command that reruns one property from the given seed (at the same case count: a soak's scale is part of it).
let replayCommand (name: string) (seed: uint64, gamma: uint64) =
    let scaled = if scale () > 1 then $"BIFROST_FSCHECK_SCALE={scale ()} " else ""
    $"{scaled}{replayVariable}={seed},{gamma} dotnet run --project tests/Bifrost.Domain.Tests -c Release -- --filter-test-case \"{name}\""

let private withReplayHint name (seed: uint64, gamma: uint64) (e: exn) =
    FailedException($"{e.Message}\nSeed: {seed},{gamma}\nReplay: {replayCommand name (seed, gamma)}")

/// An Expecto test that checks `property` on `maxTest` random cases. Each execution draws its own seed (or takes
/// BIFROST_FSCHECK_REPLAY), so a failure always names it and how to replay it, and repeated runs (`--stress`) vary.
let property (name: string) (maxTest: int) (property: Property) : Test =
    let config = { FsCheckConfig.defaultConfig with maxTest = maxTest * scale () }
    let withSeed (run: FsCheckConfig -> Async<unit>) (cfg: FsCheckConfig) =
        let seed, gamma, size = drawSeed name
        async {
            try
                return! run { cfg with replay = Some(seed, gamma, size) }
            with e ->
                return raise (withReplayHint name (seed, gamma) e)
        }
    match testPropertyWithConfig config name property with
    | TestLabel(label, TestCase(AsyncFsCheck(testConfig, stressConfig, run), focus), labelFocus) ->
        TestLabel(label, TestCase(AsyncFsCheck(testConfig, stressConfig, withSeed run), focus), labelFocus)
    | other -> other

/// An Expecto test of a randomly drawn sample (not a property: `check` gets the seed to draw it from, e.g.
/// `Gen.sampleWithSeed seed ...`). Like `property`, a failure prints the seed and the replay command.
let seeded (name: string) (check: Rnd -> unit) : Test =
    testCase name <| fun () ->
        let seed, gamma, _ = drawSeed name
        try
            check (Rnd(seed, gamma))
        with e ->
            raise (withReplayHint name (seed, gamma) e)

/// A property over a list of what broke it, in words: true when empty, else a failure naming the first three (the
/// property's seed and replay command follow it).
let noneOf (problems: string list) =
    match problems with
    | [] -> true
    | p -> failwithf "%s" (String.concat "; " (List.truncate 3 p))

/// xunit's `Assert.Equal(expected, actual, precision)`: equal after rounding both to `digits` decimals.
let closeTo (digits: int) (actual: float) (expected: float) =
    let a, e = Math.Round(actual, digits), Math.Round(expected, digits)
    if not (a.Equals e) then failtestf "expected %.17g, got %.17g (rounded to %d digits: %g vs %g)" expected actual digits e a

let inRange (actual: 'T) (low: 'T) (high: 'T) =
    if actual < low || actual > high then failtestf "%A is outside [%A, %A]" actual low high

/// The only element of a sequence that must hold exactly one.
let single (xs: 'T seq) =
    match List.ofSeq xs with
    | [ x ] -> x
    | other -> failtestf "expected exactly one element, got %d: %A" other.Length other

let close (tol: float) (expected: float) (actual: float) =
    abs (expected - actual) <= tol * max 1.0 (abs expected)

open Microsoft.FSharp.Reflection

/// How deepEqual reads a type's parts, built once per type: reflecting afresh on every value made the state
/// comparisons of the reducer properties the bulk of their minutes.
type private Reader =
    | Fields of (obj -> obj[])
    | Cases of tag: (obj -> int) * fields: (int -> obj -> obj[])
    | Opaque

let private readers = System.Collections.Concurrent.ConcurrentDictionary<Type, Reader>()

let private readerOf (t: Type) =
    readers.GetOrAdd(t, Func<Type, Reader>(fun t ->
        if FSharpType.IsTuple t then
            let read = FSharpValue.PreComputeTupleReader t
            Fields read
        elif FSharpType.IsRecord(t, true) then
            let read = FSharpValue.PreComputeRecordReader(t, true)
            Fields read
        elif FSharpType.IsUnion(t, true) then
            let tagOf = FSharpValue.PreComputeUnionTagReader(t, true)
            let cases = FSharpType.GetUnionCases(t, true) |> Array.map (fun c -> FSharpValue.PreComputeUnionReader(c, true))
            Cases(tagOf, (fun tag -> cases[tag]))
        else Opaque))

/// Deep structural equality where NaN equals NaN (quotes carry NaN for "absent"). F#'s generated equality
/// compares float fields with IEEE semantics even under the ER comparer, so replay comparisons need their own.
let rec private deepEqual (a: obj) (b: obj) =
    match a, b with
    | _ when obj.ReferenceEquals(a, b) -> true // an immutable value (or null) is equal to itself
    | null, _ | _, null -> false
    | (:? float as x), (:? float as y) -> x.Equals y
    | (:? string as x), (:? string as y) -> x = y
    | _ when a.GetType() <> b.GetType() -> false
    | (:? System.Collections.IEnumerable as xs), (:? System.Collections.IEnumerable as ys) ->
        let xs = Seq.cast<obj> xs |> Array.ofSeq
        let ys = Seq.cast<obj> ys |> Array.ofSeq
        xs.Length = ys.Length && Array.forall2 deepEqual xs ys
    | _ ->
    match readerOf (a.GetType()) with
    | Fields read -> Array.forall2 deepEqual (read a) (read b)
    | Cases(tagOf, fieldsOf) ->
        let ta, tb = tagOf a, tagOf b
        ta = tb && Array.forall2 deepEqual (fieldsOf ta a) (fieldsOf tb b)
    | Opaque when a.GetType().IsGenericType && a.GetType().GetGenericTypeDefinition() = typedefof<System.Collections.Generic.KeyValuePair<_, _>> ->
        let t = a.GetType()
        deepEqual (t.GetProperty("Key").GetValue a) (t.GetProperty("Key").GetValue b)
        && deepEqual (t.GetProperty("Value").GetValue a) (t.GetProperty("Value").GetValue b)
    | Opaque -> a.Equals b

let same (a: 'T) (b: 'T) = deepEqual (box a) (box b)
