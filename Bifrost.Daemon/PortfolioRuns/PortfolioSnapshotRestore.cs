using Bifrost.Domain;
using Bifrost.Domain.PortfolioRuns;
using Bifrost.Domain.Trading;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Microsoft.FSharp.Collections;

namespace Bifrost.Daemon.PortfolioRuns;

/// <summary>Stored snapshots read back at start, each rebuilt by <c>Snapshot.restore</c>: its content hash is recomputed
/// from the stored rows and compared with the stored hash. A mismatch (a row changed after it was written) is reported
/// as corrupt, never used; the engine then stops portfolio trading (critical SNAPSHOT_CORRUPT, RED).</summary>
public static class PortfolioSnapshotRestore
{
    public static FSharpList<RestoredSnapshot> Read(StoreReader reader) =>
        ListModule.OfSeq(reader.ListPortfolioSnapshotIds().Select(id => reader.GetPortfolioSnapshot(id) is { } r
            ? ToSnapshot(r)
            : RestoredSnapshot.NewSnapshotCorrupt(id, "the snapshot row vanished while it was read")));

    public static RestoredSnapshot ToSnapshot(PortfolioSnapshotRecord r)
    {
        SnapshotSource source = r.SourceKind switch
        {
            "file" => SnapshotSource.NewSignalsFile(r.SourceName, r.SourceSha256 ?? ""),
            _ => SnapshotSource.NewOperatorTargets(r.SourceName),
        };
        var lines = ListModule.OfSeq(r.Lines.Select(l => new SnapshotLine(l.Symbol, l.Price ?? double.NaN, l.Current, l.Target, l.Weight,
            ListModule.OfSeq(l.Notes.Length == 0 ? [] : l.Notes.Split(',')))));
        var restored = SnapshotModule.restore(r.Id, Timestamp.NewTimestamp(r.CreatedNanos), source, r.PortfolioValue,
            r.CashAvailable ?? double.NaN, lines, r.ContentHash);
        if (restored.IsError) return RestoredSnapshot.NewSnapshotCorrupt(r.Id, $"{restored.ErrorValue.Field}: {restored.ErrorValue.Message}");
        // The canonical text is stored beside the rows: a change to it alone is a change to the record too.
        var snapshot = restored.ResultValue;
        var canonical = SnapshotModule.canonicalText(snapshot.Id, snapshot.CreatedAt, snapshot.Source, snapshot.PortfolioValue, snapshot.CashAvailable,
            snapshot.Lines);
        return canonical == r.CanonicalText
            ? RestoredSnapshot.NewSnapshotIntact(snapshot)
            : RestoredSnapshot.NewSnapshotCorrupt(r.Id, "snapshot.canonical_text: the stored canonical text does not match the snapshot's rows");
    }
}
