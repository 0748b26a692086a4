using Bifrost.Store.Records;

namespace Bifrost.Store.ReadModel;

/// <summary>
/// A page of the operations log, newest first. All filters are optional and combine with AND. Page on with
/// <see cref="Before"/> = the cursor of the last row of the previous page (keyset paging: stable while rows arrive).
/// </summary>
public sealed record OperationQuery
{
    public IReadOnlyCollection<OperationKind>? Kinds { get; init; }

    /// <summary>Inclusive lower bound on time.</summary>
    public long? FromNanos { get; init; }

    /// <summary>Exclusive upper bound on time.</summary>
    public long? ToNanos { get; init; }

    public string? RunId { get; init; }

    public string? OrderRef { get; init; }

    public OperationCursor? Before { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>Position in the newest-first order: (time, id) of a row.</summary>
public readonly record struct OperationCursor(long TimeNanos, long Id)
{
    public static OperationCursor Of(OperationRecord op) => new(op.TimeNanos, op.Id);
}
