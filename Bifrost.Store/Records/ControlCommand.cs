namespace Bifrost.Store.Records;

/// <summary>A command written by the monitor and consumed exactly once by the daemon, with its outcome.</summary>
public sealed record ControlCommand(
    long Id,
    long CreatedNanos,
    ControlCommandKind Command,
    string ArgumentsJson,
    string RequestedBy,
    ControlStatus Status,
    long? TakenNanos,
    string? Result,
    long? CompletedNanos,
    /// <summary>The OS user of the process that inserted the row, when Bifrost's writer did; null = unknown (raw SQL).</summary>
    string? OsUser = null);
