module Bifrost.Domain.Tests.ConfigHardeningTests

open System
open System.IO
open System.Text.RegularExpressions
open Expecto
open Bifrost.Domain

let private resolve (spec: ContractSpec) = abs (hash (spec.Symbol, spec.SecType, spec.Right, spec.Strike, spec.Expiry)) % 1_000_000 + 1

let private sample () =
    let rec up (d: DirectoryInfo) = if File.Exists(Path.Combine(d.FullName, "Bifrost.sln")) then d.FullName else up d.Parent
    File.ReadAllText(Path.Combine(up (DirectoryInfo(AppContext.BaseDirectory)), "config", "bifrost.sample.json"))

let private errorOf json =
    match ConfigJson.parseWith resolve json with
    | Error e -> e
    | Ok _ -> failwith "accepted"

let private setKey (key: string) (value: string) (json: string) =
    let m = Regex.Match(json, $"\"{key}\"\\s*:\\s*(\"[^\"]*\"|[-0-9.eE+]+|true|false)")
    if not m.Success then failwith $"sample has no {key}"
    json.Substring(0, m.Groups[1].Index) + value + json.Substring(m.Groups[1].Index + m.Groups[1].Length)

let private withKey (key: string) (value: string) = setKey key value (sample ())

let private refusedAt (path: string) json =
    let e = errorOf json
    Expect.equal e.Field path "the key path"
    e

/// Thousands of mutated configs: each either parses or is refused with a key path; the parser never throws.
let private fuzz () =
    // Replay a failure with BIFROST_FUZZ_SEED=<seed>.
    let seed = match Environment.GetEnvironmentVariable "BIFROST_FUZZ_SEED" with null | "" -> Environment.TickCount | s -> int s
    let rng = Random(seed)
    let baseText = sample ()
    let values = [| "\"3000\""; "1e300"; "-1e300"; "null"; "[]"; "{}"; "true"; "\"\""; "0"; "-1"; "2147483648"; "1.5"; "\"x\""; "NaN"; "\"\\u0000\""; "\"\\ud800\"" |]
    let valueSpans = [| for m in Regex.Matches(baseText, ":\\s*(\"[^\"]*\"|[-0-9.eE+]+|true|false|null)") -> m.Groups[1] |]
    let mutate () =
        match rng.Next 4 with
        | 0 ->
            let g = valueSpans[rng.Next valueSpans.Length]
            baseText.Substring(0, g.Index) + values[rng.Next values.Length] + baseText.Substring(g.Index + g.Length)
        | 1 ->
            let chars = baseText.ToCharArray()
            for _ in 1 .. 1 + rng.Next 4 do chars[rng.Next chars.Length] <- char (rng.Next(32, 127))
            String(chars)
        | 2 ->
            let i = rng.Next baseText.Length
            baseText.Remove(i, min (rng.Next 40) (baseText.Length - i))
        | _ ->
            let a = valueSpans[rng.Next valueSpans.Length]
            let b = valueSpans[rng.Next valueSpans.Length]
            if a.Index < b.Index then baseText.Substring(0, a.Index) + b.Value + baseText.Substring(a.Index + a.Length) else baseText
    let mutable refused = 0
    for i in 1 .. 5_000 do
        let text = mutate ()
        let outcome =
            try
                Choice1Of2(ConfigJson.parseWith resolve text)
            with ex ->
                Choice2Of2 ex
        match outcome with
        | Choice2Of2 ex -> failwith $"seed {seed} case {i}: the parser threw {ex.GetType().Name}: {ex.Message}\n{text}"
        | Choice1Of2(Error e) when String.IsNullOrEmpty e.Field -> failwith $"seed {seed} case {i}: refusal without a key path: {e.Message}"
        | Choice1Of2(Error _) -> refused <- refused + 1
        | Choice1Of2(Ok _) -> ()
    Expect.isGreaterThan refused 1_000 $"seed {seed}: only {refused} of 5000 mutations refused"

[<Tests>]
let tests =
    testList "Config hardening" [
        testCase "MaxPosition_AsAString_IsRefusedNamingTheKey" <| fun () ->
            let e = refusedAt "risk.max_position" (withKey "max_position" "\"3000\"")
            Expect.stringContains e.Message "whole number" "message"
        testCase "ABandNarrowerThanAHedgeCanTrade_IsRefused_NamingTheBand" <| fun () ->
            // The sample: band 100 shares, lot 1, min_hedge_shares 10. A hedge rounds to lots toward zero and waits
            // below the minimum: a narrower band was never kept (YELLOW for good, delta up to a lot outside it).
            let e = refusedAt "strategy.rules.band" (withKey "half_width" "5")
            Expect.stringContains e.Message "strategy.min_hedge_shares 10" "names what it is narrower than"
            refusedAt "strategy.rules.band" (withKey "lot_size" "150") |> ignore
            Expect.isOk (ConfigJson.parseWith resolve (withKey "half_width" "10")) "a band of exactly the minimum hedge is kept"
        testCase "AMinimumHedgeBetweenLots_IsJudgedAtTheLotsItTrades_ABandNarrowerIsRefused" <| fun () ->
            // Lots of 60 and a minimum of 70: the smallest hedge is two lots, 120 shares. The band of 100 passed (100 is
            // more than 60 and 70), and delta stood outside it (a hedge of 100 rounds to one lot, under the minimum).
            let e = refusedAt "strategy.rules.band" (withKey "lot_size" "60" |> setKey "min_hedge_shares" "70")
            Expect.stringContains e.Message "120" "names the smallest hedge"
            Expect.isOk (ConfigJson.parseWith resolve (withKey "lot_size" "50" |> setKey "min_hedge_shares" "70")) "two lots of 50 fit a band of 100"
        testCase "ANumberBeyondInt32_IsRefusedNamingTheKey" <| fun () ->
            refusedAt "risk.max_position" (withKey "max_position" "1e300") |> ignore
            refusedAt "strategy.lot_size" (withKey "lot_size" "99999999999") |> ignore
        for key, path in [ "cooldown_seconds", "strategy.cooldown_seconds"; "lag_after_seconds", "guards.lag_after_seconds"
                           "stale_after_seconds", "guards.stale_after_seconds" ] do
            testCase $"AHugeDuration_IsRefusedNamingTheKey ({key})" <| fun () ->
                let e = refusedAt path (withKey key "1e300")
                Expect.stringContains e.Message "seconds" "message"
        testCase "ASpreadGuardThatGuardsNothing_IsRefusedNamingIt" <| fun () ->
            refusedAt "guards.max_spread_bps" (withKey "max_spread_bps" "1e23") |> ignore
            Expect.isOk (ConfigJson.parseWith resolve (withKey "max_spread_bps" "10000")) "10,000 bps still goes"
        testCase "AHardDeltaLimitNarrowerThanAHedgeCanTrade_IsRefusedNamingIt" <| fun () ->
            let json = withKey "min_hedge_shares" "10"
            let m = Regex.Match(json, "\"hard_delta_limit\"\\s*:\\s*([-0-9.eE+]+)")
            let json = json.Substring(0, m.Groups[1].Index) + "5" + json.Substring(m.Groups[1].Index + m.Groups[1].Length)
            let e = refusedAt "strategy.hard_delta_limit" json
            Expect.stringContains e.Message "min_hedge_shares 10" "names what it must cover"
        testCase "AMaxPositionBelowTheSmallestHedge_IsRefusedNamingIt" <| fun () ->
            // The sample: lot 1, min_hedge_shares 10. A hedge from flat past ±max_position is refused whole when the part
            // within it is under the smallest hedge: at 5 no hedge could ever open, the book left unhedged.
            let e = refusedAt "risk.max_position" (withKey "max_position" "5")
            Expect.stringContains e.Message "min_hedge_shares 10" "names what it must hold"
            refusedAt "risk.max_position" (withKey "lot_size" "100" |> setKey "max_position" "99") |> ignore
            Expect.isOk (ConfigJson.parseWith resolve (withKey "max_position" "10")) "a position of exactly the smallest hedge goes"
        testCase "ANegativeDuration_IsRefused" <| fun () ->
            refusedAt "strategy.cooldown_seconds" (withKey "cooldown_seconds" "-1") |> ignore
        testCase "AnEmptyAccount_IsRefused" <| fun () ->
            refusedAt "account" (withKey "account" "\"\"") |> ignore
        for account in [ "DU"; "DU12 34"; "XY1234567"; "du1234567"; "U" ] do
            testCase $"AMalformedAccount_IsRefused ({account})" <| fun () ->
                refusedAt "account" (withKey "account" $"\"{account}\"") |> ignore
        testCase "PaperMode_WithALiveAccount_IsRefusedAtConfigTime" <| fun () ->
            let e = refusedAt "account" (withKey "account" "\"U7654321\"")
            Expect.stringContains e.Message "live account but mode is paper" "message"
        testCase "LiveMode_WithAPaperAccount_IsRefusedAtConfigTime" <| fun () ->
            refusedAt "account" (withKey "mode" "\"live\"") |> ignore
        testCase "APaperDfAccount_IsAccepted" <| fun () ->
            match ConfigJson.parseWith resolve (withKey "account" "\"DF1234567\"") with
            | Ok cfg -> Expect.equal cfg.Account "DF1234567" "account"
            | Error e -> failwith $"{e.Field}: {e.Message}"
        // 12 characters: its flatten refs at the longest sequence would exceed 40
        for runId in [ "a run"; "run\u00e9"; "abcdefghijkl" ] do
            testCase $"ARunIdBreakingTheOrderRefRules_IsRefused ({runId})" <| fun () ->
                let e = refusedAt "run_id" (withKey "run_id" $"\"{runId}\"")
                Expect.stringContains e.Message "order ref" "message"
        testCase "ARunIdOneTooLong_IsRefusedSayingWhy" <| fun () ->
            let e = refusedAt "run_id" (withKey "run_id" "\"abcdefghijkl\"")
            Expect.stringContains e.Message "is 12 characters; at most 11 fit" "the limit"
            Expect.stringContains e.Message "IB's 40-character orderRef" "the constraint"
            Expect.stringContains e.Message "'oi_abcdefghijkl-man99999999999_2147483647' (41 characters" "the ref that breaks it"
        testCase "TheLongestRunIdAccepted_MintsEveryRefWithinTheRules" <| fun () ->
            Expect.equal Config.maxRunIdLength 11 "derived from the 40-character order ref"
            let runId = "abcdefghijk" // 11 characters
            Expect.isNone (Config.checkRunId runId) "accepted"
            for run in Config.derivedRunIds runId do
                Expect.isOk (OrderRef.forRun run Config.maxOrderSequence) run
        testCase "AFatFingerCeilingOfZero_IsRefused" <| fun () ->
            Expect.stringContains (sample ()) "\"control\": {" "sample has a control section"
            refusedAt "control.max_manual_quantity" (sample().Replace("\"control\": {", "\"control\": { \"max_manual_quantity\": 0,")) |> ignore
        testCase "AKeyGivenTwice_IsRefusedNamingIt_NotTheLastOneWins" <| fun () ->
            refusedAt "run_id" (sample().Replace("\"run_id\":", "\"run_id\": \"x\", \"run_id\":")) |> ignore
            refusedAt "risk.max_position" (sample().Replace("\"max_position\":", "\"max_position\": 3000, \"max_position\":")) |> ignore
            refusedAt "strategy.legs[1].strike" (sample().Replace("\"right\": \"P\",", "\"right\": \"P\", \"strike\": 90,")) |> ignore
        for bad in [ "UTC-5"; "UTC5"; "UTC+1.00:00"; "UTC+23:59"; "UTC+05:60"; "UTC+5:00" ] do
            testCase $"AZoneOffsetNotUtcHhMmWithin14Hours_IsRefused_NeverReadAsDays ({bad})" <| fun () ->
                refusedAt "calendar.zone" (withKey "zone" $"\"{bad}\"") |> ignore
        testCase "AZoneOffsetUtcHhMm_IsMinutesEastOfUtc" <| fun () ->
            for text, minutes in [ "UTC-05:00", -300; "UTC+05:30", 330; "UTC+14:00", 840 ] do
                match ConfigJson.parseWith resolve (withKey "zone" $"\"{text}\"") with
                | Ok cfg -> Expect.equal cfg.Calendar.Zone (FixedOffset minutes) text
                | Error e -> failwith $"{text}: {e.Field}: {e.Message}"
        testCase "TheSameOptionListedTwice_IsRefused" <| fun () ->
            let json = sample ()
            let p = json.IndexOf("\"right\": \"P\"")
            let e = refusedAt "strategy.legs" (json.Substring(0, p) + "\"right\": \"C\"" + json.Substring(p + "\"right\": \"P\"".Length))
            Expect.stringContains e.Message "listed twice" "says why"
        for expiry in [ "1999-01-01"; "0001-01-01"; "9999-12-31" ] do
            testCase $"AnExpiryOutsideThisCenturyOrTwo_IsRefused ({expiry})" <| fun () ->
                refusedAt "strategy.legs[0].expiry" (withKey "expiry" $"\"{expiry}\"") |> ignore
        for key, value, path in
            [ "max_spread_bps", "0", "guards.max_spread_bps"; "max_spread_bps", "-10", "guards.max_spread_bps"
              "risk_free_rate", "1e10", "strategy.risk_free_rate"; "risk_free_rate", "-5", "strategy.risk_free_rate"
              "dividend_yield", "-100", "strategy.dividend_yield"; "fallback_vol", "1e300", "strategy.fallback_vol"
              "target_delta", "1e308", "strategy.target_delta" ] do
            testCase $"AValueThatDisablesOrBreaksTrading_IsRefusedNamingTheKey ({key} {value})" <| fun () ->
                refusedAt path (withKey key value) |> ignore
        for value in [ "\"XYZ\\u0000\""; "\" XYZ\""; "\"XYZ\\t\""; "\"ABCDEFGHIJKLM\"" ] do
            testCase $"AnUnderlyingSymbolIbCouldNotLookUpAsWritten_IsRefusedNamingTheKey ({value})" <| fun () ->
                let e = refusedAt "strategy.underlying.symbol" (withKey "symbol" value)
                Expect.isFalse (e.Message |> Seq.exists System.Char.IsControl) $"the message shows no control character: {e.Message}"
        // Valid JSON .NET cannot read back: an InvalidOperationException, never caught as a JsonException.
        for key, value, path in [ "symbol", "\"XYZ\\ud800\"", "strategy.underlying.symbol"; "fallback_vol", "[\"\\udc00\"]", "strategy.fallback_vol[0]" ] do
            testCase $"AStringWithALoneSurrogateEscape_IsRefusedNamingTheKey ({key})" <| fun () ->
                refusedAt path (withKey key value) |> ignore
        for key, value in [ "stop_loss", "0"; "stop_loss", "-100"; "take_profit", "0"; "take_profit", "-1" ] do
            testCase $"AStopOrTakeProfitNotAPositiveAmount_IsRefused ({key} {value})" <| fun () ->
                refusedAt $"risk.{key}" (sample().Replace($"\"{key}\": null", $"\"{key}\": {value}")) |> ignore
        for value in [ "-50"; "30000" ] do
            testCase $"AHedgeLimitOffsetAwayFromTheMarketOrAbsurd_IsRefused ({value})" <| fun () ->
                refusedAt "strategy.hedge_limit_offset_bps" (sample().Replace("\"cooldown_seconds\":", $"\"hedge_limit_offset_bps\": {value}, \"cooldown_seconds\":")) |> ignore
        for close in [ "08:00"; "17:00"; "16:00" ] do
            testCase $"AnEarlyCloseOutsideTheSession_IsRefused ({close})" <| fun () ->
                refusedAt "calendar.early_closes" (sample().Replace("\"early_closes\": {}", $"\"early_closes\": {{ \"2026-11-27\": \"{close}\" }}")) |> ignore
        // A slot whose execution falls in a window every order is refused in would fail every day: refused at start.
        testCase "ScheduleExecuteAt_InANoTradeWindow_IsRefusedNamingTheKey" <| fun () ->
            let calendar = { SessionCalendar.usEquities with NoTradeWindows = [ 585, 600 ] }
            let json (executeAt: string) =
                $"""{{ "portfolio": {{ "universe": ["AAA"], "max_position_size": 0.1, "signals_dir": "/var/signals",
                     "risk": {{ "max_position_fraction": 0.1, "max_position_shares": 100, "max_order_notional": 1000, "max_daily_trades": 5,
                               "daily_loss_limit": 100, "max_drawdown": 100 }},
                     "schedule": {{ "name": "weekly", "days": ["Mon"], "build_at": "09:35", "pre_trade_at": "09:40", "execute_at": "{executeAt}" }} }} }}"""
            match PortfolioRuns.PortfolioSettingsJson.parse "SPY" calendar (json "09:50") with
            | Error e ->
                Expect.equal e.Field "portfolio.schedule.execute_at" "the key"
                Expect.stringContains e.Message "no_trade_windows 09:45-10:00" "names the window"
            | Ok _ -> failtest "accepted an execute_at inside a no-trade window"
            Expect.isOk (PortfolioRuns.PortfolioSettingsJson.parse "SPY" calendar (json "10:00")) "at the window's end: accepted"
        testCase "ExpectedOtherRuns_ListingThisRunsOwnId_IsRefused" <| fun () ->
            let runId = Regex.Match(sample (), "\"run_id\"\\s*:\\s*\"([^\"]*)\"").Groups[1].Value
            let json = sample().TrimEnd().TrimEnd('}') + $", \"reconcile\": {{ \"expected_other_runs\": [\"{runId}\"] }} }}"
            refusedAt "reconcile.expected_other_runs" json |> ignore
        let withReconcile (body: string) = sample().TrimEnd().TrimEnd('}') + $", \"reconcile\": {{ {body} }} }}"
        testCase "ExecutionWait_DefaultsToTenSeconds_AndTakesTheConfiguredOne" <| fun () ->
            let waitOf json = match ConfigJson.parseWith resolve json with Ok c -> Duration.toSeconds c.Control.ExecutionWait | Error e -> failwith e.Message
            Expect.equal (waitOf (sample ())) 10.0 "the default"
            Expect.equal (waitOf (withReconcile "\"execution_wait_seconds\": 45")) 45.0 "configured"
        for value in [ "0"; "3601"; "-5"; "\"10\"" ] do
            testCase $"ExecutionWait_OutsideItsRange_IsRefusedNamingTheKey ({value})" <| fun () ->
                refusedAt "reconcile.execution_wait_seconds" (withReconcile $"\"execution_wait_seconds\": {value}") |> ignore
        testCase "Reconcile_UnknownKey_IsRefusedNamingIt" <| fun () ->
            let e = errorOf (withReconcile "\"execution_wait\": 10")
            Expect.stringContains e.Field "reconcile" "the section named"
        for value in [ "\"band\""; "5"; "null"; "[]"; "true" ] do
            testCase $"ARuleThatIsNotAnObject_IsRefusedNamingIt ({value})" <| fun () ->
                // Its type was asked for before its kind was checked: an unhandled InvalidOperationException, the
                // daemon's check-config and run aborted (exit 134) where they refuse every other wrong kind naming it.
                let json = sample().Replace("""[ { "type": "band", "half_width": 100, "unit": "shares" } ]""", $"[ {value} ]")
                let e = refusedAt "strategy.rules[0]" json
                Expect.stringContains e.Message "must be an object" "names the kind expected"
        testCase "Fuzz_MutatedConfigs_AreRefusedOrParsed_NeverThrow" fuzz
    ]
