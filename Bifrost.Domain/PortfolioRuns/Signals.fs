namespace Bifrost.Domain.PortfolioRuns

open System
open System.Globalization
open System.Text.Json
open Bifrost.Domain

/// What a signal asks for one symbol.
type SignalAction =
    | BuySignal
    | SellSignal
    /// Keep the current position: the symbol is not traded by this snapshot.
    | HoldSignal

module SignalAction =
    let name = function BuySignal -> "buy" | SellSignal -> "sell" | HoldSignal -> "hold"
    let parse (text: string) =
        match (if isNull text then "" else text.Trim().ToLowerInvariant()) with
        | "buy" -> Ok BuySignal
        | "sell" -> Ok SellSignal
        | "hold" -> Ok HoldSignal
        | other -> Error $"expected buy, sell or hold, got '{other}'"

/// One trading signal. Score and confidence are both in [0, 1]; the action gives the direction.
type Signal =
    { Symbol: string
      Action: SignalAction
      /// Strength of the view, 0 (none) to 1 (full).
      Score: float
      /// How much the producer trusts it, 0 to 1.
      Confidence: float
      /// When the producer made the signal (UTC).
      Time: Timestamp }

/// A bad signal: the row (1-based data row; 0 = the file as a whole or its header) and the field it names.
type SignalError =
    { Row: int
      Field: string
      Message: string }

module SignalError =
    let describe (e: SignalError) =
        if e.Row = 0 then $"{e.Field}: {e.Message}" else $"row {e.Row}, {e.Field}: {e.Message}"

/// Parses signal files. Documented schema (docs/portfolio-runs.md, "Signals"):
///   CSV  — a header naming exactly the columns symbol, action, score, confidence, time (any order, any case); one
///          signal per line; blank lines and lines starting with '#' are skipped; no quoting (no field needs it).
///   JSON — an array of objects, or {"signals": [...]}, each with exactly the keys symbol, action, score, confidence, time.
///   symbol: 1–12 of A–Z 0–9 . - (upper-cased); action: buy | sell | hold; score, confidence: numbers in [0, 1];
///   time: ISO-8601 with a 'Z' or an explicit offset, e.g. 2026-12-07T14:30:00Z. A symbol appears at most once.
/// Every bad row is reported (not only the first) and nothing throws: the result is Ok signals or Error rows.
module Signals =
    let columns = [ "symbol"; "action"; "score"; "confidence"; "time" ]

    let private err row field message = { Row = row; Field = field; Message = message }

    let parseSymbol (text: string) =
        let s = if isNull text then "" else text.Trim().ToUpperInvariant()
        if s.Length = 0 then Error "must not be empty"
        elif s.Length > 12 then Error $"must be at most 12 characters, got '{s}'"
        elif s |> Seq.exists (fun c -> not (Char.IsAsciiLetterUpper c || Char.IsAsciiDigit c || c = '.' || c = '-')) then
            Error $"must be letters, digits, '.' or '-', got '{s}'"
        else Ok s

    let private unit (name: string) (v: float) =
        if not (Double.IsFinite v) then Error $"{name} must be finite"
        elif v < 0.0 || v > 1.0 then Error $"must be in [0, 1], got {ContentHash.number v}"
        else Ok v

    let private parseUnitText (text: string) =
        match Double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, v -> unit "value" v
        | _ -> Error $"must be a number, got '{text.Trim()}'"

    let private timeFormats =
        [| "yyyy-MM-dd'T'HH:mm:ss'Z'"; "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"; "yyyy-MM-dd'T'HH:mm:sszzz"
           "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz" |]

    /// ISO-8601 with 'Z' or an explicit offset; a time without a zone is refused rather than guessed.
    let parseTime (text: string) =
        let t = if isNull text then "" else text.Trim()
        match DateTimeOffset.TryParseExact(t, timeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) with
        // Nanosecond timestamps span 1677..2262: a signal dated 2610 wrapped round to "now" and passed the age check.
        | true, d when d.UtcDateTime.Year < 1970 || d.UtcDateTime.Year > 2200 -> Error $"expected a time in 1970..2200, got '{t}'"
        | true, d -> Ok(Timestamp.ofDateTimeUtc d.UtcDateTime)
        | _ -> Error $"expected ISO-8601 with Z or an offset (2026-12-07T14:30:00Z), got '{t}'"

    /// Builds one signal from its five raw parts, collecting every field error of the row.
    let private build row (symbol: Result<string, string>) action score confidence time : Result<Signal, SignalError list> =
        let errors =
            [ match symbol with Error m -> err row "symbol" m | Ok _ -> ()
              match action with Error m -> err row "action" m | Ok _ -> ()
              match score with Error m -> err row "score" m | Ok _ -> ()
              match confidence with Error m -> err row "confidence" m | Ok _ -> ()
              match time with Error m -> err row "time" m | Ok _ -> () ]
        match symbol, action, score, confidence, time with
        | Ok s, Ok a, Ok sc, Ok c, Ok t when errors.IsEmpty -> Ok { Symbol = s; Action = a; Score = sc; Confidence = c; Time = t }
        | _ -> Error errors

    /// Gathers rows: every error, and a symbol seen twice is an error on its second row (ambiguous intent).
    let private collect (rows: (int * Result<Signal, SignalError list>) list) =
        let folder (seen: Map<string, int>, oks, errs) (row, r) =
            match r with
            | Error es -> seen, oks, errs @ es
            | Ok (s: Signal) ->
                match seen |> Map.tryFind s.Symbol with
                | Some first -> seen, oks, errs @ [ err row "symbol" $"'{s.Symbol}' already given on row {first}" ]
                | None -> seen |> Map.add s.Symbol row, oks @ [ s ], errs
        match rows |> List.fold folder (Map.empty, [], []) with
        | _, _, (_ :: _ as errs) -> Error errs
        | _, [], [] -> Error [ err 0 "signals" "no signals" ]
        | _, oks, [] -> Ok oks

    let parseCsv (text: string) : Result<Signal list, SignalError list> =
        let lines =
            (if isNull text then "" else text).Split('\n')
            |> Array.map (fun l -> l.TrimEnd('\r'))
            |> Array.filter (fun l -> l.Trim().Length > 0 && not (l.TrimStart().StartsWith "#"))
            |> List.ofArray
        match lines with
        | [] -> Error [ err 0 "signals" "no header and no signals" ]
        | header :: rows ->
            let names = header.Split(',') |> Array.map (fun h -> h.Trim().ToLowerInvariant())
            let unknown = names |> Array.filter (fun n -> not (List.contains n columns))
            let missing = columns |> List.filter (fun c -> not (Array.contains c names))
            let dupes = names |> Array.countBy id |> Array.filter (fun (_, n) -> n > 1) |> Array.map fst
            if unknown.Length > 0 || missing.Length > 0 || dupes.Length > 0 then
                Error [ for u in unknown -> err 0 "header" $"unknown column '{u}' (expected {String.Join(',', columns)})"
                        for m in missing -> err 0 "header" $"missing column '{m}'"
                        for d in dupes -> err 0 "header" $"column '{d}' given twice" ]
            else
                let index c = Array.findIndex ((=) c) names
                rows
                |> List.mapi (fun i line ->
                    let row = i + 1
                    let cells = line.Split(',')
                    if cells.Length <> names.Length then
                        row, Error [ err row "columns" $"expected {names.Length} fields, got {cells.Length}" ]
                    else
                        let cell c = cells.[index c]
                        row, build row (parseSymbol (cell "symbol")) (SignalAction.parse (cell "action"))
                                 (parseUnitText (cell "score")) (parseUnitText (cell "confidence")) (parseTime (cell "time")))
                |> collect

    let private jsonText (e: JsonElement) =
        if e.ValueKind = JsonValueKind.String then Ok(e.GetString()) else Error $"must be a string, got {e.ValueKind}"

    let private jsonUnit (e: JsonElement) =
        if e.ValueKind = JsonValueKind.Number then unit "value" (e.GetDouble()) else Error $"must be a number, got {e.ValueKind}"

    let private jsonRow (row: int) (e: JsonElement) : Result<Signal, SignalError list> =
        if e.ValueKind <> JsonValueKind.Object then Error [ err row "signal" $"must be an object, got {e.ValueKind}" ]
        else
            let unknown = [ for p in e.EnumerateObject() do if not (List.contains p.Name columns) then err row p.Name "unknown key" ]
            // A key given twice is two answers to one question; the JSON reader would keep the last without a word.
            let repeated =
                e.EnumerateObject() |> Seq.countBy _.Name |> Seq.filter (fun (_, n) -> n > 1)
                |> Seq.map (fun (name, n) -> err row name $"given twice in one signal ({n} times)") |> List.ofSeq
            let unknown = unknown @ repeated
            let field (name: string) (read: JsonElement -> Result<'a, string>) =
                match e.TryGetProperty name with
                | true, v -> read v
                | _ -> Error "is required"
            match build row (field "symbol" (jsonText >> Result.bind parseSymbol)) (field "action" (jsonText >> Result.bind SignalAction.parse))
                      (field "score" jsonUnit) (field "confidence" jsonUnit) (field "time" (jsonText >> Result.bind parseTime)) with
            | Ok s when unknown.IsEmpty -> Ok s
            | Ok _ -> Error unknown
            | Error es -> Error(unknown @ es)

    /// A signals JSON file: one signal per object. Never throws: a lone \uXXXX surrogate (which the reader accepts
    /// but cannot turn into a string) is refused like any malformed JSON — the daemon reads these files in its loop.
    let parseJson (text: string) : Result<Signal list, SignalError list> =
        let parsed =
            try Ok(JsonDocument.Parse(if isNull text then "" else text))
            with :? JsonException as e -> Error [ err 0 "json" e.Message ]
        match parsed with
        | Error e -> Error e
        | Ok doc ->
            use doc = doc
            let root = doc.RootElement
            let items =
                match JsonText.firstUnreadable root, root.ValueKind with
                | Some path, _ -> Error [ err 0 "json" $"{path}: {JsonText.Refusal}" ]
                | None, JsonValueKind.Array -> Ok root
                | None, JsonValueKind.Object ->
                    match root.TryGetProperty("signals": string) with
                    | true, v when v.ValueKind = JsonValueKind.Array && (root.EnumerateObject() |> Seq.length) = 1 -> Ok v
                    | _ -> Error [ err 0 "signals" "expected an array, or an object with only a \"signals\" array" ]
                | None, k -> Error [ err 0 "signals" $"expected an array, got {k}" ]
            items |> Result.bind (fun a -> a.EnumerateArray() |> Seq.mapi (fun i e -> i + 1, jsonRow (i + 1) e) |> List.ofSeq |> collect)

    /// Picks the parser from the file name's extension (.csv or .json); anything else is refused.
    let parse (fileName: string) (text: string) =
        let ext = if isNull fileName then "" else IO.Path.GetExtension(fileName).ToLowerInvariant()
        match ext with
        | ".csv" -> parseCsv text
        | ".json" -> parseJson text
        | other -> Error [ err 0 "file" $"expected a .csv or .json signals file, got '{other}'" ]

    /// The source id of a signals file: the SHA-256 of its exact text.
    let sourceHash (text: string) = ContentHash.sha256Hex (if isNull text then "" else text)

    /// Signals too old to act on, or from the future (a clock problem upstream): refused by name, never used silently.
    let checkAge (maxAge: Duration) (now: Timestamp) (signals: Signal list) : SignalError list =
        signals
        |> List.mapi (fun i s ->
            let age = Timestamp.since s.Time now
            if age < 0L then Some(err (i + 1) "time" $"{s.Symbol} signal is {Duration.toSeconds -age:F0}s in the future")
            elif age > maxAge then Some(err (i + 1) "time" $"{s.Symbol} signal is {Duration.toSeconds age:F0}s old (max {Duration.toSeconds maxAge:F0}s)")
            else None)
        |> List.choose id
