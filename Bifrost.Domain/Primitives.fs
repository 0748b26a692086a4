namespace Bifrost.Domain

open System

/// Nanoseconds since the Unix epoch, UTC. The domain never reads a clock: every timestamp is an input.
[<Struct; CustomEquality; CustomComparison>]
type Timestamp =
    | Timestamp of int64
    member t.Nanos = let (Timestamp n) = t in n
    override t.Equals(o) = match o with :? Timestamp as u -> t.Nanos = u.Nanos | _ -> false
    override t.GetHashCode() = t.Nanos.GetHashCode()
    override t.ToString() = t.Nanos.ToString()
    interface IComparable with
        member t.CompareTo(o) = match o with :? Timestamp as u -> compare t.Nanos u.Nanos | _ -> invalidArg "o" "not a Timestamp"
    interface IEquatable<Timestamp> with
        member t.Equals(u) = t.Nanos = u.Nanos

/// A span of time in nanoseconds.
type Duration = int64

module Duration =
    let nanosPerSecond = 1_000_000_000L
    let ofSeconds (s: float) : Duration = int64 (s * float nanosPerSecond)
    let ofMillis (ms: int64) : Duration = ms * 1_000_000L
    let toSeconds (d: Duration) = float d / float nanosPerSecond

module Timestamp =
    let zero = Timestamp 0L
    let nanos (t: Timestamp) = t.Nanos
    let add (d: Duration) (t: Timestamp) = Timestamp(t.Nanos + d)
    /// Elapsed time from `earlier` to `later` (negative when out of order).
    let since (earlier: Timestamp) (later: Timestamp) : Duration = later.Nanos - earlier.Nanos
    let ofUnixMillis (ms: int64) = Timestamp(ms * 1_000_000L)
    let ofUnixSeconds (s: int64) = Timestamp(s * Duration.nanosPerSecond)
    let toUnixSeconds (t: Timestamp) = float t.Nanos / float Duration.nanosPerSecond
    /// Whole days since the epoch, for a given UTC offset in minutes (a trading date, not a clock read).
    let dayNumber (utcOffsetMinutes: int) (t: Timestamp) =
        let local = t.Nanos + int64 utcOffsetMinutes * 60L * Duration.nanosPerSecond
        let perDay = 86_400L * Duration.nanosPerSecond
        if local >= 0L then local / perDay else (local - perDay + 1L) / perDay
    let toDateTimeUtc (t: Timestamp) = DateTime.UnixEpoch.AddTicks(t.Nanos / 100L)
    let ofDateTimeUtc (d: DateTime) = Timestamp((d.ToUniversalTime() - DateTime.UnixEpoch).Ticks * 100L)

/// Why a constrained value could not be created.
type ValidationError = { Field: string; Message: string }

module ValidationError =
    let make field message = Error { Field = field; Message = message }

/// A non-negative, finite price.
[<Struct>]
type Price = private Price of float

module Price =
    let create (value: float) =
        if Double.IsNaN value || Double.IsInfinity value then ValidationError.make "price" $"must be finite, got {value}"
        elif value < 0.0 then ValidationError.make "price" $"must be >= 0, got {value}"
        else Ok(Price value)
    let value (Price p) = p

/// A strictly positive whole quantity (shares or contracts) of an order or fill.
[<Struct>]
type Quantity = private Quantity of int

module Quantity =
    let create (value: int) =
        if value <= 0 then ValidationError.make "quantity" $"must be > 0, got {value}" else Ok(Quantity value)
    let value (Quantity q) = q

/// A finite amount of money in the account currency.
[<Struct>]
type Money = private Money of float

module Money =
    let create (value: float) =
        if Double.IsNaN value || Double.IsInfinity value then ValidationError.make "money" $"must be finite, got {value}"
        else Ok(Money value)
    let value (Money m) = m
    let zero = Money 0.0

/// IB's contract id (conId): strictly positive.
[<Struct>]
type ContractId = private ContractId of int

module ContractId =
    let create (value: int) =
        if value <= 0 then ValidationError.make "contract_id" $"must be > 0, got {value}" else Ok(ContractId value)
    let value (ContractId c) = c

/// Our own client order reference (IB orderRef): deterministic, printable, at most 40 characters.
[<Struct>]
type OrderRef = private OrderRef of string

module OrderRef =
    let maxLength = 40
    let create (value: string) =
        if String.IsNullOrEmpty value then ValidationError.make "order_ref" "must not be empty"
        elif value.Length > maxLength then ValidationError.make "order_ref" $"must be at most {maxLength} characters, got {value.Length}"
        elif value |> Seq.exists (fun c -> c <= ' ' || c > '~') then ValidationError.make "order_ref" $"must be printable ASCII without spaces: '{value}'"
        else Ok(OrderRef value)
    let value (OrderRef r) = r
    /// The deterministic reference of the i-th order of a run: `oi_{run}_{i}`.
    let forRun (runId: string) (sequence: int64) = create $"oi_{runId}_{sequence}"
    /// True when the reference was minted by a Bifrost run (any run), so foreign orders are recognised.
    let isBifrost (value: string) = not (isNull value) && value.StartsWith("oi_", StringComparison.Ordinal)

/// IB execution id: unique per fill, the key for de-duplication and commissions.
[<Struct>]
type ExecId = private ExecId of string

module ExecId =
    let create (value: string) =
        if String.IsNullOrWhiteSpace value then ValidationError.make "exec_id" "must not be empty" else Ok(ExecId value)
    let value (ExecId e) = e

    /// IB's execId is `prefix.prefix.sequence.revision` ("0000e0d5.67a1b2c3.01.01"); a correction of an execution
    /// reuses everything before the revision with a higher one (".01.02" replaces ".01.01"). The part every revision
    /// of one execution shares, for an id of that form; else none (the backtest's broker numbers its own ids).
    let revisionBase (ExecId e) =
        let last = e.LastIndexOf '.'
        if last <= 0 || e.Length - last - 1 <> 2 || not (System.Uri.IsHexDigit e.[last + 1] && System.Uri.IsHexDigit e.[last + 2])
           || e.Split('.').Length < 4 then ValueNone
        else ValueSome(e.Substring(0, last))

    /// Another revision of the same execution among `seen` (a correction of it, or what it corrects), if any: of an
    /// execution's revisions only the first the engine sees is applied.
    let revisionOf (seen: Set<ExecId>) (id: ExecId) =
        match revisionBase id with
        | ValueNone -> None
        | ValueSome b ->
            seen |> Seq.tryFind (fun (ExecId s) -> s <> value id && s.Length = b.Length + 3 && s.StartsWith(b + ".", System.StringComparison.Ordinal))

/// Buy or sell.
type Side =
    | Buy
    | Sell

module Side =
    let sign = function Buy -> 1 | Sell -> -1
    let ofSignedQuantity (q: int) = if q >= 0 then Buy else Sell
    let name = function Buy -> "BUY" | Sell -> "SELL"

module Result =
    /// Unwraps a result known to be valid (constants, tests); fails loudly otherwise.
    let get (r: Result<'a, ValidationError>) =
        match r with
        | Ok v -> v
        | Error e -> invalidArg e.Field e.Message
