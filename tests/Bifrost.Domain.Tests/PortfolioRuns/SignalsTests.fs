module Bifrost.Domain.Tests.PortfolioRuns.SignalsTests

open System
open Expecto
open FsCheck
open FsCheck.FSharp
open Bifrost.Domain
open Bifrost.Domain.PortfolioRuns
open Bifrost.Domain.Tests
open Bifrost.Domain.Tests.PortfolioRuns.PortfolioFixtures

let private errorsOf r =
    match r with
    | Ok v -> failtestf "expected errors, got %A" v
    | Error es -> es

let private genSignal =
    gen {
        let! sym = Gen.elements [ "AAPL"; "MSFT"; "BRK.B"; "XOM"; "JPM"; "T"; "RDS-A" ]
        let! action = Gen.elements [ BuySignal; SellSignal; HoldSignal ]
        let! score = Gen.choose (0, 1000) |> Gen.map (fun i -> float i / 1000.0)
        let! conf = Gen.choose (0, 1000) |> Gen.map (fun i -> float i / 1000.0)
        let! secs = Gen.choose (0, 100_000_000)
        return { Symbol = sym; Action = action; Score = score; Confidence = conf; Time = Timestamp.ofUnixSeconds (1_700_000_000L + int64 secs) }
    }

let private genSignals = Gen.listOf genSignal |> Gen.map (List.distinctBy _.Symbol) |> Gen.filter (not << List.isEmpty)

let private iso (t: Timestamp) = (Timestamp.toDateTimeUtc t).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Globalization.CultureInfo.InvariantCulture)

let private toCsv (signals: Signal list) =
    "time,symbol,action,score,confidence\n"
    + String.Join("\n", signals |> List.map (fun s ->
        $"{iso s.Time},{s.Symbol},{SignalAction.name s.Action},{ContentHash.number s.Score},{ContentHash.number s.Confidence}"))

let private toJson (signals: Signal list) =
    let item (s: Signal) =
        $"""{{"symbol":"{s.Symbol}","action":"{SignalAction.name s.Action}","score":{ContentHash.number s.Score},"confidence":{ContentHash.number s.Confidence},"time":"{iso s.Time}"}}"""
    "[" + String.Join(",", signals |> List.map item) + "]"

[<Tests>]
let tests =
    testList "PortfolioRuns.Signals" [
        for text in [ """[{"symbol":"AAPL\ud800","action":"buy","score":0.5,"confidence":0.5,"time":"2026-12-05T14:00:00Z"}]"""
                      """[{"symbol\udc00":"AAPL","action":"buy","score":0.5,"confidence":0.5,"time":"2026-12-05T14:00:00Z"}]""" ] do
            testCase $"Json_WithALoneSurrogateEscape_IsRefused_NeverThrows ({text.Substring(0, 24)})" <| fun () ->
                match Signals.parseJson text with
                | Error es -> Expect.exists es (fun e -> e.Field = "json") $"refused as malformed JSON: {es}"
                | Ok s -> failtestf "accepted %A" s
        testCase "Csv_WithHeaderInAnyOrder_ParsesEveryRow" <| fun () ->
            let text = "# weekly signals\nSymbol,Action,Score,Confidence,Time\naapl,BUY,0.8,0.5,2026-12-07T14:30:00Z\n\nMSFT,hold,0,1,2026-12-07T09:30:00-05:00\n"
            let parsed = Signals.parseCsv text |> Result.defaultWith (fun es -> failtestf "%A" es)
            Expect.equal (parsed |> List.map (fun s -> s.Symbol, s.Action, s.Score, s.Confidence))
                [ "AAPL", BuySignal, 0.8, 0.5; "MSFT", HoldSignal, 0.0, 1.0 ] "symbols upper-cased, actions any case"
            Expect.equal parsed.[0].Time monday "Z time"
            Expect.equal parsed.[1].Time monday "an offset time is converted to UTC"
        testCase "Csv_BadRows_NameTheRowAndTheField_AndEveryErrorIsReported" <| fun () ->
            let text = "symbol,action,score,confidence,time\nAAPL,buy,1.5,0.5,2026-12-07T14:30:00Z\nMS FT,short,0.1,x,2026-12-07 14:30\nXOM,buy,0.1\n"
            let es = errorsOf (Signals.parseCsv text) |> List.map (fun e -> e.Row, e.Field)
            Expect.equal es [ 1, "score"; 2, "symbol"; 2, "action"; 2, "confidence"; 2, "time"; 3, "columns" ] "every bad field, by row"
        // Past 2262 a nanosecond timestamp wraps: 2610-09-20T11:34:34Z read as a time near now and traded as fresh.
        for time in [ "2610-09-20T11:34:34Z"; "9999-12-31T00:00:00Z"; "0001-01-01T00:00:00Z"; "1969-12-31T23:59:59Z" ] do
            testCase $"Csv_ATimeOutsideTheNanosecondRange_IsRefused_NotWrapped ({time})" <| fun () ->
                let es = errorsOf (Signals.parseCsv $"symbol,action,score,confidence,time\nAAPL,buy,1,1,{time}\n")
                Expect.equal (es |> List.map (fun e -> e.Row, e.Field)) [ 1, "time" ] "the time refused"
                Expect.stringContains (SignalError.describe es.[0]) "1970..2200" "says the range"
        testCase "Csv_UnknownOrMissingColumns_AreRefusedInTheHeader" <| fun () ->
            let es = errorsOf (Signals.parseCsv "symbol,side,score,confidence\nAAPL,buy,1,1\n")
            Expect.equal (es |> List.map (fun e -> e.Row, e.Field)) [ 0, "header"; 0, "header"; 0, "header" ] "unknown side, missing action and time"
            Expect.stringContains (SignalError.describe es.[0]) "unknown column 'side'" "named"
        testCase "Csv_SameSymbolTwice_IsRefusedOnTheSecondRow" <| fun () ->
            let es = errorsOf (Signals.parseCsv "symbol,action,score,confidence,time\nAAPL,buy,1,1,2026-12-07T14:30:00Z\nAAPL,sell,1,1,2026-12-07T14:30:00Z\n")
            Expect.equal (es |> List.map (fun e -> e.Row, e.Field)) [ 2, "symbol" ] "the duplicate row"
        testCase "EmptyFiles_AreRefused_NotTakenAsNoSignals" <| fun () ->
            Expect.isError (Signals.parseCsv "") "empty csv"
            Expect.isError (Signals.parseCsv "symbol,action,score,confidence,time\n") "header only"
            Expect.isError (Signals.parseJson "[]") "empty array"
        testCase "Json_ArrayOrSignalsObject_Parses" <| fun () ->
            let one = """{"symbol":"AAPL","action":"sell","score":0.5,"confidence":0.25,"time":"2026-12-07T14:30:00Z"}"""
            let a = Signals.parseJson $"[{one}]" |> Result.defaultWith (fun es -> failtestf "%A" es)
            let b = Signals.parseJson $"""{{"signals":[{one}]}}""" |> Result.defaultWith (fun es -> failtestf "%A" es)
            Expect.equal a b "both shapes"
            Expect.equal a [ signal "AAPL" SellSignal 0.5 0.25 ] "the signal"
        testCase "Json_BadRows_NameTheRowAndTheField" <| fun () ->
            let text = """[{"symbol":"AAPL","action":"buy","score":"high","confidence":1,"time":"2026-12-07T14:30:00Z"},
                           {"symbol":"MSFT","action":"buy","score":1,"time":"2026-12-07T14:30:00Z","size":3}, 7]"""
            let es = errorsOf (Signals.parseJson text) |> List.map (fun e -> e.Row, e.Field)
            Expect.equal es [ 1, "score"; 2, "size"; 2, "confidence"; 3, "signal" ] "by row and field"
        testCase "Json_KeyGivenTwiceInARow_IsRefusedNamingTheKey_NotLastOneWins" <| fun () ->
            // {"action":"sell", ..., "action":"buy"} is two intents in one row; System.Text.Json silently keeps the last.
            let text = """[{"symbol":"AAPL","action":"sell","score":1,"confidence":1,"time":"2026-12-07T14:30:00Z","action":"buy"}]"""
            let es = errorsOf (Signals.parseJson text)
            Expect.equal (es |> List.map (fun e -> e.Row, e.Field)) [ 1, "action" ] "the repeated key, by row"
            Expect.stringContains (SignalError.describe es.[0]) "given twice" "says why"
        testCase "Json_Malformed_IsAnError_NotAnException" <| fun () ->
            Expect.equal (errorsOf (Signals.parseJson "{\"signals\": [") |> List.map _.Field) [ "json" ] "malformed"
            Expect.isError (Signals.parseJson """{"signals":[],"extra":1}""") "extra top-level key"
        testCase "Time_WithoutAZone_IsRefused_NotGuessed" <| fun () ->
            Expect.isError (Signals.parseTime "2026-12-07T14:30:00") "no zone"
            Expect.equal (Signals.parseTime "2026-12-07T09:30:00.5-05:00") (Ok(Timestamp.add (Duration.ofMillis 500L) monday)) "fraction and offset"
        testCase "Parse_PicksTheParserByExtension_AndRefusesOthers" <| fun () ->
            Expect.isOk (Signals.parse "w.CSV" "symbol,action,score,confidence,time\nAAPL,buy,1,1,2026-12-07T14:30:00Z") "csv"
            Expect.equal (errorsOf (Signals.parse "w.txt" "") |> List.map _.Field) [ "file" ] "txt refused"
        testCase "SourceHash_IsTheSha256OfTheExactText" <| fun () ->
            Expect.equal (Signals.sourceHash "abc") "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" "SHA-256 test vector"
        testCase "CheckAge_RefusesOldAndFutureSignals_ByRow" <| fun () ->
            let s = [ signal "AAPL" BuySignal 1.0 1.0; { signal "MSFT" BuySignal 1.0 1.0 with Time = Timestamp.add (Duration.ofSeconds -7200.0) monday }
                      { signal "XOM" BuySignal 1.0 1.0 with Time = Timestamp.add (Duration.ofSeconds 60.0) monday } ]
            Expect.equal (Signals.checkAge (Duration.ofSeconds 3600.0) monday s |> List.map (fun e -> e.Row, e.Field)) [ 2, "time"; 3, "time" ] "old and future"
        Props.property "Signals written as CSV or JSON parse back to the same signals" 300 (Prop.forAll (Arb.fromGen genSignals) (fun signals ->
            Signals.parseCsv (toCsv signals) = Ok signals && Signals.parseJson (toJson signals) = Ok signals))
        Props.property "The parsers never throw on arbitrary text" 1000 (Prop.forAll (Arb.fromGen (ArbMap.defaults |> ArbMap.generate<string>)) (fun text ->
            let csv = Signals.parseCsv text
            let json = Signals.parseJson text
            let noRowZeroForRows (r: Result<Signal list, SignalError list>) = match r with Ok xs -> not xs.IsEmpty | Error es -> not es.IsEmpty
            noRowZeroForRows csv && noRowZeroForRows json))
    ]
