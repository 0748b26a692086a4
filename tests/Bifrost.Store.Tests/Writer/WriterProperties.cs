using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;
using Bifrost.Store.Writer;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bifrost.Store.Tests.Writer;

/// <summary>Model-based properties: a random sequence of writes, then the store is compared with a simple model. A failure prints
/// FsCheck's seed; `[Property(Replay = "seed,gamma")]` replays it.</summary>
public sealed class WriterProperties
{
    [Property(MaxTest = 30)]
    public Property Fills_FirstCopyOfEachExecIdWins_WhateverTheDuplicatesAndOrder()
    {
        var gen = Gen.Choose(0, 9).Zip(Gen.Choose(1, 500)).ListOf();
        return Prop.ForAll(gen.ToArbitrary(), fills =>
        {
            using var store = new TempStore();
            using (var w = store.OpenWriter())
            {
                foreach (var (exec, price) in fills) w.AddFill(Sample.Fill($"e{exec}", "oi") with { Price = price });
                w.FlushAsync().GetAwaiter().GetResult();
            }
            using var reader = StoreReader.Open(store.Path);
            var stored = reader.GetFillsForOrder("oi").ToDictionary(f => f.ExecId, f => f.Price);
            var model = fills.GroupBy(f => f.Item1).ToDictionary(g => $"e{g.Key}", g => (double)g.First().Item2);
            return stored.Count == model.Count && model.All(kv => stored[kv.Key] == kv.Value);
        });
    }

    [Property(MaxTest = 30)]
    public Property OrderIdHighWaterMark_IsTheMaximumEverWritten_WhateverTheOrder()
    {
        var gen = Gen.Choose(1, 1_000_000).NonEmptyListOf();
        return Prop.ForAll(gen.ToArbitrary(), marks =>
        {
            using var store = new TempStore();
            using (var w = store.OpenWriter())
            {
                foreach (var m in marks) w.TryEnqueue(new StoreWrite.OrderIdHighWater(m, Sample.T0));
                w.FlushAsync().GetAwaiter().GetResult();
            }
            using var reader = StoreReader.Open(store.Path);
            return reader.GetEngineState(EngineKeys.NextOrderId) == marks.Max().ToString();
        });
    }

    [Property(MaxTest = 30)]
    public Property OperationsPagedNewestFirst_VisitEveryMatchingRowOnce_InTimeOrder()
    {
        var gen = Gen.Elements(OperationKind.Intent, OperationKind.Order, OperationKind.Fill).Zip(Gen.Choose(0, 50)).ListOf();
        return Prop.ForAll(gen.ToArbitrary(), Gen.Choose(1, 7).ToArbitrary(), (ops, pageSize) =>
        {
            using var store = new TempStore();
            using (var w = store.OpenWriter())
            {
                // Equal times on purpose: ties are broken by id.
                foreach (var (kind, t) in ops) w.Record(new OperationRecord(Sample.T0 + t, kind));
                w.FlushAsync().GetAwaiter().GetResult();
            }
            using var reader = StoreReader.Open(store.Path);
            var query = new OperationQuery { Kinds = [OperationKind.Order, OperationKind.Fill], Limit = pageSize };
            var seen = new List<OperationRecord>();
            while (true)
            {
                var page = reader.QueryOperations(query);
                seen.AddRange(page);
                if (page.Count < pageSize) break;
                query = query with { Before = OperationCursor.Of(page[^1]) };
            }
            var expected = ops.Where(o => o.Item1 != OperationKind.Intent).Select(o => Sample.T0 + o.Item2).OrderDescending();
            return seen.Select(o => o.TimeNanos).SequenceEqual(expected) && seen.Select(o => o.Id).Distinct().Count() == seen.Count;
        });
    }
}
