namespace Bifrost.Store.Records;

/// <summary>One symbol of a frozen snapshot (price null when none was known).</summary>
public sealed record PortfolioSnapshotLineRecord(string Symbol, double? Price, int Current, int Target, double Weight, string Notes);

/// <summary>A frozen decision snapshot: stored once, never changed (the schema's triggers refuse it).</summary>
public sealed record PortfolioSnapshotRecord(
    string Id,
    long CreatedNanos,
    string SourceKind,
    string SourceName,
    string? SourceSha256,
    double PortfolioValue,
    double? CashAvailable,
    string ContentHash,
    string CanonicalText,
    IReadOnlyList<PortfolioSnapshotLineRecord> Lines);

/// <summary>One order of a portfolio run, by its idempotent ref.</summary>
public sealed record PortfolioRunOrderRecord(
    string OrderRef,
    string Symbol,
    string Side,
    int Quantity,
    int Filled,
    string Status,
    bool Sent,
    string? Reason,
    long? IbOrderId,
    long? PermId,
    string FillsJson,
    string StatusTimesJson);

/// <summary>A portfolio run as the run machine has it now (the row is replaced on every change).</summary>
public sealed record PortfolioRunRecord(
    string Id,
    string SnapshotId,
    string SnapshotHash,
    string Purpose,
    string Status,
    string ReasonsJson,
    string? FallbackSnapshotId,
    string? FallbackReason,
    string? CancelRequestedBy,
    long CreatedNanos,
    long UpdatedNanos,
    IReadOnlyList<PortfolioRunOrderRecord> Orders);
