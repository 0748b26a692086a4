namespace Bifrost.Domain

open System
open System.Text.Json

/// How an instrument of the config is identified before it has a contract id.
type ContractSpec =
    { Symbol: string
      /// "STK" or "OPT".
      SecType: string
      Right: string
      Strike: float
      /// yyyymmdd, 0 for stocks.
      Expiry: int }

/// Parses the JSON configuration (documented in README "Configuration") into a validated Config. Pure: it is given
/// the text; the shell reads the file. Every error names the key path, e.g. "strategy.legs[1].strike: must be > 0".
module ConfigJson =
    open JsonFields

    /// Top-level sections that belong to the shells (connection, store…): accepted and ignored here.
    let shellSections = set [ "connection"; "store"; "daemon"; "backtest"; "monitor"; "gateway"; "alerts"; "portfolio" ]

    let private child (path: string) (key: string) =
        let key = if key = "" then "\"\"" else key // an empty key is still named
        if path = "" then key else $"{path}.{key}"

    let private requireObject path (e: JsonElement) =
        if e.ValueKind <> JsonValueKind.Object then fail (if path = "" then "(root)" else path) $"must be an object, got {e.ValueKind}"

    let private checkKeys path (allowed: Set<string>) (e: JsonElement) =
        requireObject path e
        for p in e.EnumerateObject() do
            if not (allowed.Contains p.Name) then
                fail (child path p.Name) $"""unknown key (expected one of {String.Join(", ", allowed)})"""

    let private text path (e: JsonElement) =
        if e.ValueKind <> JsonValueKind.String then fail path $"must be a string, got {e.ValueKind}"
        e.GetString()

    let private boolean path (e: JsonElement) =
        match e.ValueKind with
        | JsonValueKind.True -> true
        | JsonValueKind.False -> false
        | k -> fail path $"must be true or false, got {k}"

    let private req (path: string) (e: JsonElement) key (read: string -> JsonElement -> 'a) =
        match tryProp e key with
        | Some v -> read (child path key) v
        | None -> fail (child path key) "is required"

    let private opt (path: string) (e: JsonElement) key (read: string -> JsonElement -> 'a) (fallback: 'a) =
        match tryProp e key with
        | Some v -> read (child path key) v
        | None -> fallback

    let private optSome (path: string) (e: JsonElement) key (read: string -> JsonElement -> 'a) =
        tryProp e key |> Option.map (read (child path key))

    let private array path (e: JsonElement) (read: string -> JsonElement -> 'a) =
        if e.ValueKind <> JsonValueKind.Array then fail path $"must be an array, got {e.ValueKind}"
        [ for i, item in Seq.indexed (e.EnumerateArray()) -> read $"{path}[{i}]" item ]

    let private ofResult path (r: Result<'a, ValidationError>) =
        match r with
        | Ok v -> v
        | Error e -> fail path $"{e.Field} {e.Message}"

    /// The longest duration any key accepts: one day. Bounding here keeps every later conversion (nanoseconds,
    /// TimeSpan) finite; 1e300 seconds would overflow them.
    let maxSeconds = 86_400.0

    let private seconds path e =
        let v = number path e
        if v < 0.0 || v > maxSeconds then fail path $"must be in 0..{maxSeconds} seconds, got {v}"
        Duration.ofSeconds v

    let private date path e = SessionCalendar.parseDate (text path e) |> ofResult path
    let private minute path e = SessionCalendar.parseMinute (text path e) |> ofResult path

    let private zone path (e: JsonElement) =
        match text path e with
        | "America/New_York" | "US/Eastern" -> UsEastern
        | "UTC" -> FixedOffset 0
        // Exactly UTC±HH:MM within ±14:00 (the world's offsets): TimeSpan.TryParse would read "UTC-5" as minus five
        // days, and a calendar five days off trades outside every session.
        | s when s.Length = 9 && s.StartsWith "UTC" && (s.[3] = '+' || s.[3] = '-') && s.[6] = ':'
                 && Seq.forall Char.IsAsciiDigit (s.Substring(4, 2) + s.Substring(7, 2)) ->
            let minutes = int (s.Substring(4, 2)) * 60 + int (s.Substring(7, 2))
            if int (s.Substring(7, 2)) > 59 || minutes > 14 * 60 then fail path $"offset must be within UTC±14:00, got '{s}'"
            FixedOffset(if s.[3] = '-' then -minutes else minutes)
        | s -> fail path $"expected America/New_York, UTC or UTC±HH:MM, got '{s}'"

    let private calendar path (e: JsonElement) =
        checkKeys path (set [ "zone"; "exchange"; "open"; "close"; "holidays"; "early_closes"; "no_trade_windows" ]) e
        let earlyCloses =
            match tryProp e "early_closes" with
            | None -> Map.empty
            | Some ec ->
                requireObject (child path "early_closes") ec
                ec.EnumerateObject()
                |> Seq.map (fun p -> date (child path "early_closes") (JsonSerializer.SerializeToElement p.Name), minute (child (child path "early_closes") p.Name) p.Value)
                |> Map.ofSeq
        let window p (w: JsonElement) =
            match array p w minute with
            | [ s; e ] -> s, e
            | _ -> fail p "must be [\"HH:mm\", \"HH:mm\"]"
        let tz = opt path e "zone" zone UsEastern
        // New York's calendar follows the NYSE's holidays unless told otherwise: a list kept by hand runs out.
        let rules =
            opt path e "exchange" (fun p v ->
                match text p v with
                | "NYSE" -> Nyse
                | "none" -> NoHolidayRules
                | s -> fail p $"expected NYSE or none, got '{s}'") (if tz = UsEastern then Nyse else NoHolidayRules)
        let cal =
            { Zone = tz
              OpenMinute = opt path e "open" minute 570
              CloseMinute = opt path e "close" minute 960
              Holidays = opt path e "holidays" (fun p v -> array p v date |> Set.ofList) Set.empty
              EarlyCloses = earlyCloses
              NoTradeWindows = opt path e "no_trade_windows" (fun p v -> array p v window) [] }
        // Every order goes out as a regular-hours order (IB's outsideRth is never set): one sent outside the NYSE's
        // hours is held at IB for the next open and fills at whatever it gaps to. A session configured wider than the
        // exchange's ("close": "16:30", "open": "09:00", a half day closing at 13:30) sent hedges, flattens and market
        // runs into it, inside the engine's session gate.
        if rules = Nyse && tz = UsEastern then
            let hhmm (m: int) = $"{m / 60:D2}:{m % 60:D2}"
            let held = "the engine's orders are regular-hours orders (IB's outsideRth is never set): one sent outside them waits at IB for the next open and fills at whatever it gaps to"
            if cal.OpenMinute < ExchangeHolidays.nyseOpenMinute then
                fail (child path "open") $"{hhmm cal.OpenMinute} is before the NYSE's {hhmm ExchangeHolidays.nyseOpenMinute} open: {held}; open at {hhmm ExchangeHolidays.nyseOpenMinute} or later"
            if cal.CloseMinute > ExchangeHolidays.nyseCloseMinute then
                fail (child path "close") $"{hhmm cal.CloseMinute} is after the NYSE's {hhmm ExchangeHolidays.nyseCloseMinute} close: {held}; close at {hhmm ExchangeHolidays.nyseCloseMinute} or earlier"
            for KeyValue(day, m) in cal.EarlyCloses do
                match ExchangeHolidays.earlyCloses rules |> Map.tryFind day with
                // One at or after the close is outside the session: Config.validate names it so.
                | Some rule when m > rule && m < cal.CloseMinute ->
                    fail (child (child path "early_closes") (SessionCalendar.dayText day))
                        $"{hhmm m} is after the NYSE's {hhmm rule} close that day (a half day): {held}; close at {hhmm rule} or earlier"
                | _ -> ()
        cal |> ExchangeHolidays.apply rules

    /// The expiry instant of an option: the session close of its expiry date in the calendar's zone — the early
    /// close on a half day (options stop trading with the session: a 13:00 close, not 16:00).
    let expiryInstant (cal: SessionCalendar) (yyyymmdd: int) =
        let d = DateTime(yyyymmdd / 10_000, yyyymmdd / 100 % 100, yyyymmdd % 100, 0, 0, 0, DateTimeKind.Utc)
        let day = int ((d - DateTime.UnixEpoch).TotalDays)
        let closeMinute = cal.EarlyCloses |> Map.tryFind day |> Option.defaultValue cal.CloseMinute
        let localClose = d.AddMinutes(float closeMinute)
        let noon = Timestamp.ofDateTimeUtc (d.AddHours 12.0)
        Timestamp.ofDateTimeUtc (localClose.AddMinutes(float -(SessionCalendar.utcOffset cal.Zone noon)))

    let private rule path (e: JsonElement) =
        requireObject path e // its type is read before its keys are checked: a string here threw, not refused
        match req path e "type" text with
        | "band" ->
            checkKeys path (set [ "type"; "half_width"; "unit" ]) e
            let unit =
                match opt path e "unit" text "shares" with
                | "shares" -> Shares
                | "contract_deltas" -> ContractDeltas
                | other -> fail (child path "unit") $"expected shares or contract_deltas, got '{other}'"
            FixedBand(req path e "half_width" number, unit)
        | "interval" ->
            checkKeys path (set [ "type"; "seconds" ]) e
            TimeInterval(req path e "seconds" seconds)
        | "price_move" ->
            checkKeys path (set [ "type"; "fraction" ]) e
            PriceMove(req path e "fraction" number)
        | "whalley_wilmott" ->
            checkKeys path (set [ "type"; "cost"; "risk_aversion" ]) e
            WhalleyWilmott(req path e "cost" number, req path e "risk_aversion" number)
        | other -> fail (child path "type") $"expected band, interval, price_move or whalley_wilmott, got '{other}'"

    let private expiryOf path (e: JsonElement) =
        let t = text path e
        match DateOnly.TryParseExact(t, [| "yyyy-MM-dd"; "yyyyMMdd" |], Globalization.CultureInfo.InvariantCulture, Globalization.DateTimeStyles.None) with
        // Nanosecond timestamps end in 2262; a listed option's expiry lies in this century (1999 is a typo).
        | true, d when d.Year < 2000 || d.Year > 2200 -> fail path $"expected an expiry in 2000..2200, got '{t}'"
        | true, d -> d.Year * 10_000 + d.Month * 100 + d.Day
        | _ -> fail path $"expected yyyy-MM-dd, got '{t}'"

    let private conId path (resolve: ContractSpec -> int) (e: JsonElement) (spec: ContractSpec) =
        let id = match optSome path e "con_id" integer with Some id -> id | None -> resolve spec
        ContractId.create id |> ofResult (child path "con_id")

    let private strategy path (resolve: ContractSpec -> int) (cal: SessionCalendar) (e: JsonElement) =
        checkKeys path (set [ "underlying"; "legs"; "target_delta"; "rules"; "hedge_to"; "lot_size"; "min_hedge_shares"; "drift_fraction"
                              "hard_delta_limit"; "cooldown_seconds"; "hedge_timeout_seconds"; "hedge_limit_offset_bps"; "risk_free_rate"; "dividend_yield"; "fallback_vol" ]) e
        let upath = child path "underlying"
        let u = req path e "underlying" (fun _ v -> v)
        checkKeys upath (set [ "symbol"; "con_id" ]) u
        let symbol = req upath u "symbol" text
        let underlying = { ContractId = conId upath resolve u { Symbol = symbol; SecType = "STK"; Right = ""; Strike = 0.0; Expiry = 0 }; Symbol = symbol }
        let leg p (l: JsonElement) =
            checkKeys p (set [ "right"; "strike"; "expiry"; "quantity"; "multiplier"; "con_id" ]) l
            let right =
                match req p l "right" text with
                | "C" | "CALL" | "call" -> Call
                | "P" | "PUT" | "put" -> Put
                | other -> fail (child p "right") $"expected C or P, got '{other}'"
            let strike = req p l "strike" number
            let expiry = req p l "expiry" expiryOf
            let spec = { Symbol = symbol; SecType = "OPT"; Right = (match right with Call -> "C" | Put -> "P"); Strike = strike; Expiry = expiry }
            let option =
                OptionContract.create (conId p resolve l spec) symbol right strike (expiryInstant cal expiry) (opt p l "multiplier" integer 100)
                |> ofResult p
            { Option = option; Quantity = req p l "quantity" integer }
        { Underlying = underlying
          Legs = req path e "legs" (fun p v -> array p v leg)
          TargetDelta = opt path e "target_delta" number 0.0
          Rules = req path e "rules" (fun p v -> array p v rule)
          HedgeTo =
            match opt path e "hedge_to" text "target" with
            | "target" -> ToTarget
            | "band_edge" -> ToBandEdge
            | other -> fail (child path "hedge_to") $"expected target or band_edge, got '{other}'"
          LotSize = opt path e "lot_size" integer 1
          MinHedgeShares = opt path e "min_hedge_shares" integer 1
          DriftFraction = opt path e "drift_fraction" number 0.5
          HardDeltaLimit = opt path e "hard_delta_limit" number 5_000.0
          Cooldown = opt path e "cooldown_seconds" seconds (Duration.ofSeconds 5.0)
          HedgeTimeout = opt path e "hedge_timeout_seconds" seconds (Duration.ofSeconds 30.0)
          HedgeLimitOffsetBps = optSome path e "hedge_limit_offset_bps" number
          RiskFreeRate = opt path e "risk_free_rate" number 0.05
          DividendYield = opt path e "dividend_yield" number 0.0
          FallbackVol = opt path e "fallback_vol" number 0.2 }

    let private guards path (e: JsonElement) =
        checkKeys path (set [ "lag_after_seconds"; "stale_after_seconds"; "max_feed_latency_seconds"; "max_spread_bps"; "max_jump_pct"; "jump_confirm_seconds"
                              "max_option_jump_vol_points" ]) e
        { LagAfter = opt path e "lag_after_seconds" seconds (Duration.ofSeconds 5.0)
          StaleAfter = opt path e "stale_after_seconds" seconds (Duration.ofSeconds 30.0)
          MaxFeedLatency = opt path e "max_feed_latency_seconds" seconds (Duration.ofSeconds 2.0)
          MaxSpreadBps = opt path e "max_spread_bps" number 50.0
          MaxJumpPct = opt path e "max_jump_pct" number 5.0
          JumpConfirm = opt path e "jump_confirm_seconds" seconds (Duration.ofSeconds 2.0)
          MaxOptionJumpVolPoints = opt path e "max_option_jump_vol_points" number 5.0 }

    let private risk path (e: JsonElement) =
        checkKeys path (set [ "max_position"; "max_order_notional"; "max_daily_trades"; "daily_loss_limit"; "max_drawdown"; "stop_loss"
                              "take_profit"; "near_fraction"; "check_buying_power" ]) e
        { MaxPosition = req path e "max_position" integer
          MaxOrderNotional = req path e "max_order_notional" number
          MaxDailyTrades = opt path e "max_daily_trades" integer 500
          DailyLossLimit = req path e "daily_loss_limit" number
          MaxDrawdown = req path e "max_drawdown" number
          StopLoss = optSome path e "stop_loss" number
          TakeProfit = optSome path e "take_profit" number
          NearFraction = opt path e "near_fraction" number 0.8
          CheckBuyingPower = opt path e "check_buying_power" boolean true }

    let private control path (e: JsonElement) =
        checkKeys path (set [ "cancel_on_stop"; "after_flatten"; "flatten_target"; "stop_timeout_seconds"; "self_check_seconds"
                              "max_manual_quantity"; "max_manual_notional"; "limit_price_band"; "run_timeout_seconds" ]) e
        { CancelOnStop = opt path e "cancel_on_stop" boolean true
          AfterFlatten =
            match opt path e "after_flatten" text "pause" with
            | "pause" -> PauseAfterFlatten
            | "stop" -> StopAfterFlatten
            | other -> fail (child path "after_flatten") $"expected pause or stop, got '{other}'"
          FlattenTarget =
            match opt path e "flatten_target" text "zero" with
            | "zero" -> FlatZero
            | "book_delta" -> FlatBookDelta
            | other -> fail (child path "flatten_target") $"expected zero or book_delta, got '{other}'"
          StopTimeout = opt path e "stop_timeout_seconds" seconds (Duration.ofSeconds 10.0)
          SelfCheckEvery = opt path e "self_check_seconds" seconds (Duration.ofSeconds 1.0)
          ExpectedOtherRuns = []
          ClientId = None
          MaxManualQuantity = opt path e "max_manual_quantity" integer 10_000
          MaxManualNotional = opt path e "max_manual_notional" number 1_000_000.0
          LimitPriceBand = opt path e "limit_price_band" number 0.1
          RunTimeout = opt path e "run_timeout_seconds" seconds (Duration.ofSeconds 300.0)
          ExecutionWait = Duration.ofSeconds 10.0 }

    let private emptyObject = JsonDocument.Parse("{}").RootElement

    /// `reconcile.expected_other_runs`: run ids (strings) of other Bifrost runs allowed on the same account.
    let private expectedOtherRuns path (e: JsonElement) =
        match e.TryGetProperty "expected_other_runs" with
        | false, _ -> []
        | true, v when v.ValueKind = JsonValueKind.Array ->
            [ for i, item in Seq.indexed (v.EnumerateArray()) do
                  if item.ValueKind <> JsonValueKind.String || System.String.IsNullOrWhiteSpace(item.GetString()) then
                      fail (child path "expected_other_runs" + $"[{i}]") "expected a non-empty run id string"
                  item.GetString() ]
        | true, _ -> fail (child path "expected_other_runs") "expected an array of run id strings"

    /// The `reconcile` section, kept with the control settings.
    let private reconcile path (e: JsonElement) (control: ControlConfig) =
        checkKeys path (set [ "expected_other_runs"; "execution_wait_seconds" ]) e
        { control with
            ExpectedOtherRuns = expectedOtherRuns path e
            ExecutionWait = opt path e "execution_wait_seconds" seconds control.ExecutionWait }

    /// Parses and validates. `resolve` gives the contract id of an instrument whose `con_id` the file omits.
    let parseWith (resolve: ContractSpec -> int) (json: string) : Result<Config, ValidationError> =
        try
            use doc = JsonDocument.Parse(json, JsonDocumentOptions(CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true))
            let root = doc.RootElement
            match JsonText.firstUnreadable root with
            | Some path -> fail path JsonText.Refusal
            | None -> ()
            match JsonDuplicates.firstIn root with
            | Some path -> fail path "is given twice (one value per key)"
            | None -> ()
            checkKeys "" (Set.union shellSections (set [ "run_id"; "account"; "mode"; "strategy"; "guards"; "risk"; "calendar"; "control"; "reconcile" ])) root
            let cal = opt "" root "calendar" calendar (calendar "calendar" emptyObject)
            let cfg =
                { RunId = req "" root "run_id" text
                  Account = req "" root "account" text
                  Mode =
                    match opt "" root "mode" text "paper" with
                    | "paper" -> Paper
                    | "live" -> Live
                    | other -> fail "mode" $"expected paper or live, got '{other}'"
                  Strategy = req "" root "strategy" (fun p v -> strategy p resolve cal v)
                  Guards = opt "" root "guards" guards (guards "guards" emptyObject)
                  Risk = req "" root "risk" risk
                  Calendar = cal
                  Control =
                    let c = opt "" root "control" control (control "control" emptyObject)
                    opt "" root "reconcile" (fun p e -> reconcile p e c) c }
            Config.validate cfg
        with
        | FieldError(path, message) -> Error { Field = path; Message = message }
        | :? JsonException as e -> Error { Field = "(json)"; Message = $"not valid JSON: {e.Message}" }

    /// Parses a `calendar` section alone (the object's text), as a whole config would read it.
    let parseCalendar (json: string) : Result<SessionCalendar, ValidationError> =
        try
            use doc = JsonDocument.Parse json
            Ok(calendar "calendar" doc.RootElement)
        with
        | FieldError(path, message) -> Error { Field = path; Message = message }
        | :? JsonException as e -> Error { Field = "(json)"; Message = $"not valid JSON: {e.Message}" }

    /// Parses a config whose instruments all carry `con_id`.
    let parse (json: string) =
        parseWith (fun spec -> raise (FieldError("con_id", $"no con_id for {spec.SecType} {spec.Symbol} {spec.Right} {spec.Strike} {spec.Expiry}"))) json

    /// C#-friendly entry point.
    let Parse (json: string, resolve: Func<ContractSpec, int>) = parseWith resolve.Invoke json
