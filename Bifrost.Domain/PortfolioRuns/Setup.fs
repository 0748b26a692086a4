namespace Bifrost.Domain.PortfolioRuns

open System
open System.Text.Json
open Bifrost.Domain

/// The validated `portfolio` section of the configuration (docs/portfolio-runs.md, "Config"), before contract ids.
type PortfolioSettings =
    { Universe: string list
      Sizing: SizingConfig
      Limits: PortfolioRiskLimits
      /// An order whose symbol's quote is older than this is rejected with market_data_error, never sent.
      MaxQuoteAge: Duration
      /// An order whose symbol's quote is one-sided or wider than this (bps of mid) is rejected with market_data_error,
      /// never sent: a market order fills at the far side, and a wide quote's mid is no price to size at.
      MaxSpreadBps: float
      /// Signals older than this (or from the future) refuse the file.
      MaxSignalAge: Duration
      /// The rebalance schedule (`portfolio.schedule`), if any; it needs `SignalsDir`.
      Schedule: ScheduleConfig option
      /// The directory whose newest signals file a scheduled slot builds its snapshot from (`portfolio.signals_dir`).
      SignalsDir: string option }

/// The portfolio as the engine runs it: the settings and each universe symbol's contract id (resolved at the broker).
type PortfolioSetup =
    { Settings: PortfolioSettings
      Contracts: Map<string, ContractId> }

module PortfolioSetup =
    let symbolOf (setup: PortfolioSetup) (conId: ContractId) =
        setup.Contracts |> Map.tryFindKey (fun _ id -> id = conId)

    let contractIds (setup: PortfolioSetup) = setup.Contracts |> Map.toList |> List.map snd

/// Parses the `portfolio` section. Pure: given the whole configuration text; every error names the key path.
module PortfolioSettingsJson =
    open JsonFields

    let private allowed =
        set [ "universe"; "max_signal_age_s"; "max_position_size"; "lot_size"; "min_order_shares"; "min_order_notional"
              "allow_short"; "max_quote_age_s"; "max_spread_bps"; "risk"; "sectors"; "signals_dir"; "schedule" ]

    let private riskKeys =
        set [ "max_position_fraction"; "max_position_shares"; "max_order_notional"; "max_daily_trades"; "daily_loss_limit"
              "max_drawdown"; "max_sector_weight"; "max_gross_weight" ]

    let private scheduleKeys = set [ "name"; "days"; "build_at"; "pre_trade_at"; "execute_at"; "grace_s"; "run_late" ]

    let private dayNames =
        Map [ "mon", DayOfWeek.Monday; "tue", DayOfWeek.Tuesday; "wed", DayOfWeek.Wednesday; "thu", DayOfWeek.Thursday
              "fri", DayOfWeek.Friday; "sat", DayOfWeek.Saturday; "sun", DayOfWeek.Sunday ]

    /// "HH:MM" (24 h, local exchange time) → minutes after midnight.
    let private clockTime path (e: JsonElement) =
        let text = if e.ValueKind = JsonValueKind.String then e.GetString() else ""
        match text.Split ':' with
        | [| h; m |] when h.Length = 2 && m.Length = 2 && Seq.forall Char.IsAsciiDigit (h + m) && int h < 24 && int m < 60 -> int h * 60 + int m
        | _ -> fail path $"must be a time \"HH:MM\" (00:00–23:59, exchange time), got {e.GetRawText()}"

    let private numberOr (e: JsonElement) key path dflt = tryProp e key |> Option.map (number $"{path}.{key}") |> Option.defaultValue dflt
    let private intOr (e: JsonElement) key path dflt = tryProp e key |> Option.map (integer $"{path}.{key}") |> Option.defaultValue dflt
    let private required (e: JsonElement) key path f =
        match tryProp e key with
        | Some v -> f $"{path}.{key}" v
        | None -> fail $"{path}.{key}" "required"

    let private checkKeys path (keys: Set<string>) (e: JsonElement) =
        if e.ValueKind <> JsonValueKind.Object then fail path $"must be an object, got {e.ValueKind}"
        for p in e.EnumerateObject() do
            if not (keys.Contains p.Name) then fail $"{path}.{p.Name}" $"""unknown key (expected one of {String.Join(", ", keys)})"""

    let private ok path = function
        | Ok v -> v
        | Error(e: ValidationError) -> fail (if e.Field.StartsWith "portfolio" then e.Field else $"{path}.{e.Field}") e.Message

    let private section (scalperUnderlying: string) (calendar: SessionCalendar) (p: JsonElement) =
        let path = "portfolio"
        checkKeys path allowed p
        let universe =
            required p "universe" path (fun up v ->
                if v.ValueKind <> JsonValueKind.Array || v.GetArrayLength() = 0 then fail up "must be a non-empty array of symbols"
                [ for i, x in Seq.indexed (v.EnumerateArray()) ->
                      if x.ValueKind <> JsonValueKind.String then fail $"{up}[{i}]" "must be a string" else x.GetString() ])
        let universe = Ownership.validateUniverse scalperUnderlying universe |> ok path
        let sizing =
            SizingConfig.create (required p "max_position_size" path number) (intOr p "lot_size" path 1) (intOr p "min_order_shares" path 1)
                (numberOr p "min_order_notional" path 0.0)
                (match tryProp p "allow_short" with
                 | None -> false
                 | Some v when v.ValueKind = JsonValueKind.True -> true
                 | Some v when v.ValueKind = JsonValueKind.False -> false
                 | Some _ -> fail $"{path}.allow_short" "must be true or false")
            |> ok path
        let sectors =
            match tryProp p "sectors" with
            | None -> Map.empty
            | Some v ->
                if v.ValueKind <> JsonValueKind.Object then fail $"{path}.sectors" "must be an object of symbol: sector"
                // A symbol outside the universe (a typo: "APPL") left the real one without a sector, so the sector
                // cap did not count it; "aapl" beside "AAPL" kept one of the two silently.
                let pairs =
                    [ for x in v.EnumerateObject() ->
                          let at = $"{path}.sectors.{x.Name}"
                          if x.Value.ValueKind <> JsonValueKind.String || String.IsNullOrWhiteSpace(x.Value.GetString()) then fail at "must be a sector name"
                          let symbol = x.Name.Trim().ToUpperInvariant()
                          if not (List.contains symbol universe) then fail at $"{symbol} is not in portfolio.universe"
                          symbol, x.Value.GetString() ]
                match pairs |> List.countBy fst |> List.tryFind (fun (_, n) -> n > 1) with
                | Some(symbol, _) -> fail $"{path}.sectors" $"{symbol} is given twice (one sector per symbol)"
                | None -> Map.ofList pairs
        let risk = required p "risk" path (fun rp v -> checkKeys rp riskKeys v; v)
        let rp = $"{path}.risk"
        let limits =
            PortfolioRiskLimits.create (required risk "max_position_fraction" rp number) (required risk "max_position_shares" rp integer)
                (required risk "max_order_notional" rp number) (required risk "max_daily_trades" rp integer)
                (required risk "daily_loss_limit" rp number) (required risk "max_drawdown" rp number)
                (tryProp risk "max_sector_weight" |> Option.map (number $"{rp}.max_sector_weight")) sectors
                (numberOr risk "max_gross_weight" rp 1.0)
            |> ok path
        let signalsDir =
            tryProp p "signals_dir" |> Option.map (fun v ->
                if v.ValueKind <> JsonValueKind.String || String.IsNullOrWhiteSpace(v.GetString()) then fail $"{path}.signals_dir" "must be a directory path"
                let dir = v.GetString()
                if not (IO.Path.IsPathRooted dir) then fail $"{path}.signals_dir" $"must be an absolute path, got '{dir}'"
                dir)
        let schedule =
            tryProp p "schedule" |> Option.map (fun v ->
                let sp = $"{path}.schedule"
                checkKeys sp scheduleKeys v
                if signalsDir.IsNone then fail sp "needs portfolio.signals_dir (a slot builds its snapshot from the newest signals file there)"
                let name = required v "name" sp (fun kp x -> if x.ValueKind <> JsonValueKind.String then fail kp "must be a string" else x.GetString())
                let days =
                    required v "days" sp (fun kp x ->
                        if x.ValueKind <> JsonValueKind.Array || x.GetArrayLength() = 0 then fail kp "must be a non-empty array of weekdays (\"Mon\" … \"Sun\")"
                        [ for i, d in Seq.indexed (x.EnumerateArray()) ->
                              let t = if d.ValueKind = JsonValueKind.String then d.GetString().ToLowerInvariant() else ""
                              match dayNames |> Map.tryFind (if t.Length >= 3 then t.Substring(0, 3) else t) with
                              | Some day when t.Length = 3 -> day
                              | _ -> fail $"{kp}[{i}]" $"must be one of Mon, Tue, Wed, Thu, Fri, Sat, Sun, got {d.GetRawText()}" ])
                if (List.distinct days).Length <> days.Length then fail $"{sp}.days" "a weekday is listed twice"
                let grace = numberOr v "grace_s" sp 60.0
                // Beyond an hour "on time" stops meaning anything (run_late is the explicit way to run a missed slot).
                if grace <= 0.0 || grace > 3600.0 then fail $"{sp}.grace_s" $"must be in (0, 3600] seconds, got {grace}"
                let runLate =
                    match tryProp v "run_late" with
                    | None -> false
                    | Some b when b.ValueKind = JsonValueKind.True -> true
                    | Some b when b.ValueKind = JsonValueKind.False -> false
                    | Some _ -> fail $"{sp}.run_late" "must be true or false"
                let build, pre, exec = required v "build_at" sp clockTime, required v "pre_trade_at" sp clockTime, required v "execute_at" sp clockTime
                match ScheduleConfig.create name days build pre exec (Duration.ofSeconds grace) runLate calendar with
                | Ok c -> c
                | Error e ->
                    // ScheduleConfig names "times" for an ordering error: the keys it is about.
                    let key = if e.Field = $"{sp}.times" then $"{sp}.build_at/pre_trade_at/execute_at" elif e.Field = $"{sp}.grace" then $"{sp}.grace_s" else e.Field
                    fail key e.Message)
        // Bounded: a huge age turns the check off (a day-old quote sized as the market; a month-old signal traded).
        let seconds key dflt most =
            let v = numberOr p key path dflt
            if v <= 0.0 || v > most then fail $"{path}.{key}" $"must be in (0, {most:N0}] seconds, got {v}"
            Duration.ofSeconds v
        // 50 bps as guards.max_spread_bps: a liquid US stock quotes far inside it. Bounded: 10,000 bps (a quote as wide
        // as its mid) would let any market order through.
        let maxSpreadBps =
            let v = numberOr p "max_spread_bps" path 50.0
            if not (v > 0.0 && v <= 10_000.0) then fail $"{path}.max_spread_bps" $"must be in (0, 10,000] bps, got {v}"
            v
        { Universe = universe; Sizing = sizing; Limits = limits
          MaxQuoteAge = seconds "max_quote_age_s" 5.0 3600.0; MaxSpreadBps = maxSpreadBps; MaxSignalAge = seconds "max_signal_age_s" 86_400.0 604_800.0
          Schedule = schedule; SignalsDir = signalsDir }

    /// None when the configuration has no `portfolio` section (the engine then runs no portfolio).
    /// `calendar` is the configuration's session calendar: the schedule's times are in its zone and its session.
    let parse (scalperUnderlying: string) (calendar: SessionCalendar) (configText: string) : Result<PortfolioSettings option, ValidationError> =
        try
            use doc = JsonDocument.Parse(configText, JsonDocumentOptions(CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true))
            match JsonText.firstUnreadable doc.RootElement with
            | Some path -> fail path JsonText.Refusal
            | None -> ()
            if doc.RootElement.ValueKind <> JsonValueKind.Object then Ok None
            else
                match tryProp doc.RootElement "portfolio" with
                | None -> Ok None
                | Some p -> Ok(Some(section scalperUnderlying calendar p))
        with
        | FieldError(path, message) -> Error { Field = path; Message = message }
        | :? JsonException as e -> Error { Field = "(root)"; Message = e.Message }
