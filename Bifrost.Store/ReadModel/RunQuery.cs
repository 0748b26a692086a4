using Bifrost.Store.Records;

namespace Bifrost.Store.ReadModel;

/// <summary>Runs newest first; optionally only some kinds (e.g. backtest + sweep for the History screen) or a sweep's children.</summary>
public sealed record RunQuery
{
    public IReadOnlyCollection<RunKind>? Kinds { get; init; }

    public string? ParentRunId { get; init; }

    public int Limit { get; init; } = 100;
}
