module Bifrost.Domain.Tests.ConfigJsonTests

open System.IO
open Expecto
open Bifrost.Domain

let private resolve (spec: ContractSpec) = abs (hash (spec.Symbol, spec.SecType, spec.Right, spec.Strike, spec.Expiry)) % 1_000_000 + 1

let private sample () =
    let rec up (d: DirectoryInfo) = if File.Exists(Path.Combine(d.FullName, "Bifrost.sln")) then d.FullName else up d.Parent
    File.ReadAllText(Path.Combine(up (DirectoryInfo(System.AppContext.BaseDirectory)), "config", "bifrost.sample.json"))

let private errorOf json =
    match ConfigJson.parseWith resolve json with
    | Error e -> e
    | Ok _ -> failwith "accepted"

[<Tests>]
let tests =
    testList "ConfigJson" [
        testCase "The sample config parses into a paper straddle with a 100-share band" <| fun () ->
            match ConfigJson.parseWith resolve (sample ()) with
            | Error e -> failwith $"{e.Field}: {e.Message}"
            | Ok cfg ->
                Expect.equal cfg.Mode Paper "cfg.Mode"
                Expect.equal cfg.Strategy.Legs.Length 2 "cfg.Strategy.Legs.Length"
                Expect.equal cfg.Strategy.Rules [ FixedBand(100.0, Shares) ] "cfg.Strategy.Rules"
                // Expiry at the 16:00 New York close of 2026-03-20 (EDT, UTC−4).
                Expect.equal cfg.Strategy.Legs.Head.Option.Expiry (Timestamp.ofDateTimeUtc (System.DateTime(2026, 3, 20, 20, 0, 0, System.DateTimeKind.Utc))) "cfg.Strategy.Legs.Head.Option.Expiry"
        testCase "ExpiryOnAHalfDay_IsTheEarlyClose_NotFourOClock" <| fun () ->
            // 2025-11-28, the day after Thanksgiving: US options stop trading at 13:00 New York (EST, UTC−5).
            let day = SessionCalendar.parseDate "2025-11-28" |> Result.get
            let cal = { SessionCalendar.usEquities with EarlyCloses = Map.ofList [ day, 780 ] }
            Expect.equal (ConfigJson.expiryInstant cal 20251128) (Timestamp.ofDateTimeUtc (System.DateTime(2025, 11, 28, 18, 0, 0, System.DateTimeKind.Utc))) "13:00 EST"
            Expect.equal (ConfigJson.expiryInstant cal 20251126) (Timestamp.ofDateTimeUtc (System.DateTime(2025, 11, 26, 21, 0, 0, System.DateTimeKind.Utc))) "a full day: 16:00 EST"
        testCase "A wrong value names its key path" <| fun () ->
            let bad = sample().Replace("\"strike\": 100, \"expiry\": \"2026-03-20\", \"quantity\": 10, \"multiplier\": 100 },", "\"strike\": -5, \"expiry\": \"2026-03-20\", \"quantity\": 10, \"multiplier\": 100 },")
            let e = errorOf bad
            Expect.equal e.Field "strategy.legs[0]" "e.Field"
            Expect.stringContains e.Message "strike" "e.Message"
        testCase "An unknown key is refused, naming it" <| fun () ->
            let e = errorOf (sample().Replace("\"lot_size\"", "\"lot_sise\""))
            Expect.equal e.Field "strategy.lot_sise" "e.Field"
        testCase "A missing required key is named" <| fun () ->
            let e = errorOf (sample().Replace("\"account\": \"DU1234567\",", ""))
            Expect.equal e.Field "account" "e.Field"
            Expect.equal e.Message "is required" "e.Message"
        testCase "Cross-field rules are checked after parsing" <| fun () ->
            let e = errorOf (sample().Replace("\"stale_after_seconds\": 30", "\"stale_after_seconds\": 1"))
            Expect.equal e.Field "guards.stale_after" "e.Field"
        testCase "The bad-quote guard's keys: defaults, and refusals by name" <| fun () ->
            match ConfigJson.parseWith resolve (sample ()) with
            | Error e -> failwith $"{e.Field}: {e.Message}"
            | Ok c -> Expect.equal (c.Guards.MaxJumpPct, c.Guards.JumpConfirm) (5.0, Duration.ofSeconds 2.0) "defaults"
            let withGuard (text: string) = sample().Replace("\"stale_after_seconds\": 30", "\"stale_after_seconds\": 30, " + text)
            for bad in [ "\"max_jump_pct\": 0"; "\"max_jump_pct\": -5"; "\"max_jump_pct\": 150" ] do
                Expect.equal (errorOf (withGuard bad)).Field "guards.max_jump_pct" bad
            Expect.equal (errorOf (withGuard "\"jump_confirm_seconds\": 30")).Field "guards.jump_confirm_seconds" "as long as stale_after"
            Expect.equal (errorOf (withGuard "\"jump_confirm_seconds\": -1")).Field "guards.jump_confirm_seconds" "negative"
        testCase "Broken JSON is an error, not an exception" <| fun () ->
            let e = errorOf "{ \"run_id\": "
            Expect.equal e.Field "(json)" "e.Field"
        testCase "Without a resolver every instrument needs a con_id" <| fun () ->
            match ConfigJson.parse (sample ()) with
            | Error e -> Expect.stringContains e.Field "con_id" "e.Field"
            | Ok _ -> failwith "accepted"
    ]
