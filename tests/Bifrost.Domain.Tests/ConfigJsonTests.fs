module Bifrost.Domain.Tests.ConfigJsonTests

open System.IO
open Xunit
open Bifrost.Domain

let private resolve (spec: ContractSpec) = abs (hash (spec.Symbol, spec.SecType, spec.Right, spec.Strike, spec.Expiry)) % 1_000_000 + 1

let private sample () =
    let rec up (d: DirectoryInfo) = if File.Exists(Path.Combine(d.FullName, "Bifrost.sln")) then d.FullName else up d.Parent
    File.ReadAllText(Path.Combine(up (DirectoryInfo(System.AppContext.BaseDirectory)), "config", "bifrost.sample.json"))

let private errorOf json =
    match ConfigJson.parseWith resolve json with
    | Error e -> e
    | Ok _ -> failwith "accepted"

[<Fact>]
let ``The sample config parses into a paper straddle with a 100-share band`` () =
    match ConfigJson.parseWith resolve (sample ()) with
    | Error e -> failwith $"{e.Field}: {e.Message}"
    | Ok cfg ->
        Assert.Equal(Paper, cfg.Mode)
        Assert.Equal(2, cfg.Strategy.Legs.Length)
        Assert.Equal<HedgeRule list>([ FixedBand(100.0, Shares) ], cfg.Strategy.Rules)
        // Expiry at the 16:00 New York close of 2026-03-20 (EDT, UTC−4).
        Assert.Equal(Timestamp.ofDateTimeUtc (System.DateTime(2026, 3, 20, 20, 0, 0, System.DateTimeKind.Utc)), cfg.Strategy.Legs.Head.Option.Expiry)

[<Fact>]
let ``A wrong value names its key path`` () =
    let bad = sample().Replace("\"strike\": 100, \"expiry\": \"2026-03-20\", \"quantity\": 10, \"multiplier\": 100 },", "\"strike\": -5, \"expiry\": \"2026-03-20\", \"quantity\": 10, \"multiplier\": 100 },")
    let e = errorOf bad
    Assert.Equal("strategy.legs[0]", e.Field)
    Assert.Contains("strike", e.Message)

[<Fact>]
let ``An unknown key is refused, naming it`` () =
    let e = errorOf (sample().Replace("\"lot_size\"", "\"lot_sise\""))
    Assert.Equal("strategy.lot_sise", e.Field)

[<Fact>]
let ``A missing required key is named`` () =
    let e = errorOf (sample().Replace("\"account\": \"DU1234567\",", ""))
    Assert.Equal("account", e.Field)
    Assert.Equal("is required", e.Message)

[<Fact>]
let ``Cross-field rules are checked after parsing`` () =
    let e = errorOf (sample().Replace("\"stale_after_seconds\": 30", "\"stale_after_seconds\": 1"))
    Assert.Equal("guards.stale_after", e.Field)

[<Fact>]
let ``Broken JSON is an error, not an exception`` () =
    let e = errorOf "{ \"run_id\": "
    Assert.Equal("(json)", e.Field)

[<Fact>]
let ``Without a resolver every instrument needs a con_id`` () =
    match ConfigJson.parse (sample ()) with
    | Error e -> Assert.Contains("con_id", e.Field)
    | Ok _ -> failwith "accepted"
