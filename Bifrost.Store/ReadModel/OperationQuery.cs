using Bifrost.Store.Records;

namespace Bifrost.Store.ReadModel;

/// <summary>
/// A page of the operations log, newest first. All filters are optional and combine with AND. Page on with
/// <see cref="Before"/> = the cursor of the last row of the previous page (keyset paging: stable while rows arrive).
/// </summary>
public sealed record OperationQuery
{
    public IReadOnlyCollection<OperationKind>? Kinds { get; init; }

    /// <summary>Which clock <see cref="FromNanos"/>, <see cref="ToNanos"/>, the order and the cursor use: the receive (wall)
    /// time by default; with <see cref="OperationTimeBase.Venue"/> rows without a venue time are left out.</summary>
    public OperationTimeBase TimeBase { get; init; } = OperationTimeBase.Wall;

    /// <summary>Inclusive lower bound on time.</summary>
    public long? FromNanos { get; init; }

    /// <summary>Exclusive upper bound on time.</summary>
    public long? ToNanos { get; init; }

    public string? RunId { get; init; }

    public string? OrderRef { get; init; }

    /// <summary>One contract (the console resolves a symbol to its con id from the status positions/universe).</summary>
    public long? ContractId { get; init; }

    public OperationCursor? Before { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>The two clocks of an operations row (schema v4).</summary>
public enum OperationTimeBase
{
    /// <summary>time_ns: the host's clock when the daemon received the input.</summary>
    Wall,

    /// <summary>venue_ns: the engine's clock (the broker's under daemon.clock=broker).</summary>
    Venue,
}

/// <summary>Position in the newest-first order: (time, id) of a row, in the query's time base.</summary>
public readonly record struct OperationCursor(long TimeNanos, long Id)
{
    public static OperationCursor Of(OperationRecord op) => new(op.TimeNanos, op.Id);

    public static OperationCursor Of(OperationRecord op, OperationTimeBase timeBase) =>
        new(timeBase == OperationTimeBase.Venue ? op.VenueNanos ?? 0 : op.TimeNanos, op.Id);
}
