namespace Bifrost.Domain.PortfolioRuns

open System
open Bifrost.Domain

/// Where a snapshot's targets came from.
type SnapshotSource =
    /// A signals file, by name and the SHA-256 of its exact text.
    | SignalsFile of fileName: string * sha256: string
    /// Targets an operator entered (console/CLI), by who.
    | OperatorTargets of requestedBy: string

module SnapshotSource =
    let describe = function
        | SignalsFile(name, hash) -> $"signals {name} sha256:{hash}"
        | OperatorTargets who -> $"operator {who}"

/// One symbol of a frozen snapshot: the target and what it was sized from.
type SnapshotLine =
    { Symbol: string
      /// Price the target was sized at (NaN when none was known: then Target = Current).
      Price: float
      /// Strategy-owned shares when the snapshot was taken.
      Current: int
      Target: int
      Weight: float
      /// Sizing note codes (HOLD, CAPPED_BY_CASH…), for the record.
      Notes: string list }

/// A frozen decision: built once, never changed; its content hash is recomputed and compared whenever it is read back.
/// Only `Snapshot.create` and `Snapshot.restore` make one, so a snapshot's hash always matches its content.
type Snapshot =
    private
        { id: string
          createdAt: Timestamp
          source: SnapshotSource
          portfolioValue: float
          cashAvailable: float
          lines: SnapshotLine list
          contentHash: string }
    member s.Id = s.id
    member s.CreatedAt = s.createdAt
    member s.Source = s.source
    /// NetLiquidation when sized.
    member s.PortfolioValue = s.portfolioValue
    member s.CashAvailable = s.cashAvailable
    /// Sorted by symbol (ordinal).
    member s.Lines = s.lines
    /// Lower-case hex SHA-256 of the canonical text (`Snapshot.canonicalText`).
    member s.ContentHash = s.contentHash

module Snapshot =
    /// Ids appear in order keys and logs: short, ASCII, no separators of the canonical text.
    let validateId (id: string) =
        if String.IsNullOrEmpty id then ValidationError.make "snapshot_id" "must not be empty"
        elif id.Length > 32 then ValidationError.make "snapshot_id" $"must be at most 32 characters, got {id.Length}"
        elif id |> Seq.exists (fun c -> not (Char.IsAsciiLetterOrDigit c || c = '-' || c = '_' || c = '.')) then
            ValidationError.make "snapshot_id" $"must be letters, digits, '-', '_' or '.', got '{id}'"
        else Ok id

    let private sourceFields = function
        | SignalsFile(name, hash) -> [ "file"; name; hash ]
        | OperatorTargets who -> [ "operator"; who ]

    /// The canonical serialisation the hash is taken over: versioned, one line per part, lines sorted by symbol,
    /// floats round-trippable. Changing it is a format change (bump the version tag).
    let canonicalText id (createdAt: Timestamp) source portfolioValue cashAvailable (lines: SnapshotLine list) =
        let escape (s: string) = (if isNull s then "" else s).Replace("\\", "\\\\").Replace("|", "\\p").Replace("\n", "\\n")
        let head =
            [ "bifrost-snapshot-v1"
              ContentHash.fields [ escape id; string createdAt.Nanos ]
              ContentHash.fields (sourceFields source |> List.map escape)
              ContentHash.fields [ ContentHash.number portfolioValue; ContentHash.number cashAvailable ] ]
        let body =
            lines
            |> List.sortWith (fun a b -> String.CompareOrdinal(a.Symbol, b.Symbol))
            |> List.map (fun l ->
                ContentHash.fields [ escape l.Symbol; ContentHash.number l.Price; string l.Current; string l.Target
                                     ContentHash.number l.Weight; escape (String.Join(",", l.Notes)) ])
        String.Join("\n", head @ body)

    let private build id createdAt source portfolioValue cashAvailable (lines: SnapshotLine list) =
        let sorted = lines |> List.sortWith (fun a b -> String.CompareOrdinal(a.Symbol, b.Symbol))
        let dupes = sorted |> List.countBy _.Symbol |> List.filter (fun (_, n) -> n > 1) |> List.map fst
        if not dupes.IsEmpty then ValidationError.make "snapshot.lines" $"""symbols given twice: {String.Join(",", dupes)}"""
        elif sorted.IsEmpty then ValidationError.make "snapshot.lines" "a snapshot needs at least one line"
        elif not (Double.IsFinite portfolioValue && portfolioValue > 0.0) then
            ValidationError.make "snapshot.portfolio_value" $"must be a positive amount, got {portfolioValue}"
        else
            validateId id
            |> Result.map (fun id ->
                { id = id; createdAt = createdAt; source = source; portfolioValue = portfolioValue; cashAvailable = cashAvailable
                  lines = sorted
                  contentHash = ContentHash.sha256Hex (canonicalText id createdAt source portfolioValue cashAvailable sorted) })

    /// Freezes sized lines into a snapshot. Id and time are inputs (the shell mints them).
    let create (id: string) (createdAt: Timestamp) (source: SnapshotSource) (inputs: SizingInputs) (sized: SizedLine list) =
        sized
        |> List.map (fun l ->
            { Symbol = l.Symbol; Price = l.Price; Current = l.Current; Target = l.Target; Weight = l.Weight
              Notes = l.Notes |> List.map SizingNote.code })
        |> build id createdAt source inputs.PortfolioValue inputs.CashAvailable

    /// Freezes lines decided elsewhere (operator targets) into a snapshot; the same checks as `create`.
    let ofLines (id: string) (createdAt: Timestamp) (source: SnapshotSource) portfolioValue cashAvailable (lines: SnapshotLine list) =
        build id createdAt source portfolioValue cashAvailable lines

    /// Rebuilds a stored snapshot and checks it against the hash stored with it: a mismatch is refused, never used.
    let restore id createdAt source portfolioValue cashAvailable lines (storedHash: string) =
        build id createdAt source portfolioValue cashAvailable lines
        |> Result.bind (fun s ->
            if String.Equals(s.contentHash, storedHash, StringComparison.Ordinal) then Ok s
            else ValidationError.make "snapshot.content_hash" $"snapshot {id} does not match its stored hash (stored {storedHash}, content {s.contentHash})")

    /// A line trades when its target differs from the position at snapshot time. The others (hold, no price, below
    /// the minimum) leave the symbol alone even if its position has moved since.
    let isTrading (l: SnapshotLine) = l.Target <> l.Current

    let tradingLines (s: Snapshot) = s.lines |> List.filter isTrading

    /// The target of a trading line (None for a symbol the snapshot does not trade).
    let target (symbol: string) (s: Snapshot) =
        s.lines |> List.tryFind (fun l -> l.Symbol = symbol && isTrading l) |> Option.map _.Target
