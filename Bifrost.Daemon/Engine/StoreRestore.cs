using System.Globalization;
using Bifrost.Domain;
using Bifrost.Domain.Strategy;
using Bifrost.Domain.Trading;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Bifrost.Daemon.Engine;

/// <summary>
/// What the store knows, as the reducer's <see cref="Restored"/>: the run's orders (the live run and its manual /
/// flatten / rebalance child runs), holdings replayed from the strategy's own fills, the exec ids already applied, the
/// order-id high-water mark (engine_state, never below an id in the orders table) and the next orderRef sequence.
/// Start and crash recovery share this one path; anything the store missed (a fill queued but not committed at
/// kill -9) comes back from the broker's reqExecutions during Syncing.
/// </summary>
public static class StoreRestore
{
    public static Restored Read(StoreReader reader, Config cfg)
    {
        var runIds = new List<string> { cfg.RunId };
        runIds.AddRange(reader.ListRuns(new RunQuery { ParentRunId = cfg.RunId, Limit = 100_000 }).Select(r => r.Run.RunId));
        var orders = runIds.Distinct().SelectMany(reader.GetOrdersForRun).DistinctBy(o => o.OrderRef).ToList();
        var fills = runIds.Distinct().SelectMany(reader.GetFillsForRun).DistinctBy(f => f.ExecId)
            .OrderBy(f => f.TimeNanos).ThenBy(f => f.ExecId, StringComparer.Ordinal).ToList();
        var storedNext = long.TryParse(reader.GetEngineState(EngineKeys.NextOrderId), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        EngineMemory? memory = null;
        if (reader.GetEngineState(MemoryJson.Key) is { } json)
        {
            try
            {
                memory = MemoryJson.Read(json);
            }
            catch (FormatException e)
            {
                throw new DaemonRefusedException($"engine_state '{MemoryJson.Key}' in the store is unreadable ({e.Message}): the operator state and the " +
                    "option book cannot be restored; fix the value, or delete the row (the engine then starts halted MEMORY_MISSING until the " +
                    "operator checks the account and resumes)");
            }
        }
        var legs = cfg.Strategy.Legs.Select(l => (long)ContractIdModule.value(l.Option.ContractId)).ToList();
        // Executions stored under refs of this run whose order the store no longer holds (yesterday's backup restored
        // over today's store, a salvaged one): the next ref goes above them, or the old execution becomes a new order's.
        var lostRefs = reader.GetFillRefsWithoutOrder("oi_" + cfg.RunId).Where(r => Restart.owner(cfg, r).IsThisRun).ToList();
        return Build(cfg, orders, fills, storedNext, memory, reader.GetFillsOnContracts(legs), lostRefs);
    }

    /// <summary>Pure part of <see cref="Read"/> (tested directly).</summary>
    public static Restored Build(Config cfg, IReadOnlyList<OrderRecord> orders, IReadOnlyList<FillRecord> fills, long storedNextOrderId) =>
        Build(cfg, orders, fills, storedNextOrderId, null, []);

    /// <summary>
    /// Pure part of <see cref="Read"/>. With a stored memory the adopted option legs come first (the book is adopted +
    /// own fills); every stored fill on a leg counts as seen, and the external ones after the last reconciliation are
    /// handed over so the book check can explain a changed external quantity.
    /// </summary>
    public static Restored Build(Config cfg, IReadOnlyList<OrderRecord> orders, IReadOnlyList<FillRecord> fills, long storedNextOrderId,
        EngineMemory? memory, IReadOnlyList<FillRecord> legFills, IReadOnlyList<string>? lostRefs = null)
    {
        // A leg that left the configuration is read at the multiplier the memory kept of it (1: a stock).
        var multipliers = new Dictionary<int, int>();
        foreach (var l in memory?.LegTerms ?? ListModule.Empty<OptionContract>()) multipliers[ContractIdModule.value(l.ContractId)] = l.Multiplier;
        foreach (var l in cfg.Strategy.Legs) multipliers[ContractIdModule.value(l.Option.ContractId)] = l.Option.Multiplier;
        int Mult(long conId) => multipliers.TryGetValue((int)conId, out var m) ? m : 1;

        // Of an execution's revisions (IB's correction ".02" of ".01") only the first the engine saw was applied live
        // (the others raised EXECUTION_CORRECTED): seen, never replayed, so a restart does not count the fill twice.
        var corrections = Revisions(fills.Concat(legFills));
        // What the live engine refused as not its order's (FillRule: another client's, unlike the order, another permId)
        // is refused again, in the order the fills came: not replayed, and left unseen so the sync's re-delivery raises
        // it again as live. Before, a second engine's fill of our ref came back into the book at every restart.
        var (mismatched, refusals, permIds) = Refused(cfg, orders, fills, corrections);
        // Orders whose unseen fill the operator booked with confirm_book: that fill is in the adopted quantity already.
        var booked = memory is null ? new HashSet<string>() : memory.OptionBook.Booked.ToHashSet();
        var fillsByRef = fills.Where(f => f.OrderRef is not null && !mismatched.Contains(f.ExecId) && !corrections.Contains(f.ExecId)).GroupBy(f => f.OrderRef!).ToDictionary(g => g.Key, g => g.ToList());
        // Fills of the operator's own manual runs are external (OrderPurpose.Manual): never replayed into the strategy.
        var known = orders.Where(o => o.Purpose != "manual").Select(o => o.OrderRef).ToHashSet();
        var domainOrders = new List<Order>();
        foreach (var o in orders)
        {
            var judged = permIds.TryGetValue(o.OrderRef, out var p) ? o with { PermId = p } : o;
            if (ToOrder(judged, fillsByRef.GetValueOrDefault(o.OrderRef) ?? []) is { } order) domainOrders.Add(order);
        }

        var holdings = new Dictionary<long, Holding>();
        var seen = new List<ExecId>();
        if (memory is not null)
        {
            foreach (var a in memory.OptionBook.Adopted)
            {
                // A leg confirm_book took to 0 keeps what it realised (the contracts sold in TWS, booked at their mark).
                if (a.Quantity == 0 && a.Realized == 0.0) continue;
                var h = a.Quantity == 0 ? HoldingModule.empty
                    : HoldingModule.applyFill(Mult(ContractIdModule.value(a.ContractId)), a.Quantity > 0 ? Side.Buy : Side.Sell, Math.Abs(a.Quantity), a.AvgCost, HoldingModule.empty);
                holdings[ContractIdModule.value(a.ContractId)] = new Holding(h.Quantity, h.AvgCost, h.Realized + a.Realized, h.Fees);
            }
        }
        var external = new List<Tuple<ContractId, int>>();
        var ownExecs = fills.Select(f => f.ExecId).ToHashSet();
        // The operator's manual orders through Bifrost trade for the operator: their leg fills are external, and the
        // book check must see them like any other client's (else the next sync finds a BOOK_MISMATCH).
        var operators = orders.Where(o => o.Purpose == "manual").Select(o => o.OrderRef).ToHashSet();
        foreach (var f in legFills)
        {
            var operatorsOwn = f.OrderRef is not null && operators.Contains(f.OrderRef);
            if (!operatorsOwn && (ownExecs.Contains(f.ExecId) || (f.OrderRef is not null && known.Contains(f.OrderRef)))) continue;
            // Another Bifrost run's fill stays unseen: replayed at sync, it is judged there (ANOTHER_ENGINE or expected).
            if (!operatorsOwn && OrderRefModule.isBifrost(f.OrderRef)) continue;
            if (ExecIdModule.create(f.ExecId) is { IsOk: true } id) seen.Add(id.ResultValue);
            if (corrections.Contains(f.ExecId)) continue;
            if (memory is not null && f.TimeNanos > memory.OptionBook.ReconciledAt.Nanos && f.ContractId > 0)
                external.Add(Tuple.Create(ContractIdModule.create((int)f.ContractId).ResultValue, (int)(f.Side == TradeSide.Buy ? f.Qty : -f.Qty)));
        }
        var feesOwed = new List<Tuple<ExecId, ContractId>>();
        foreach (var f in fills)
        {
            if (mismatched.Contains(f.ExecId)) continue;
            if (ExecIdModule.create(f.ExecId) is { IsOk: true } id) seen.Add(id.ResultValue);
            if (corrections.Contains(f.ExecId)) continue;
            if (f.OrderRef is null || !known.Contains(f.OrderRef)) continue; // not one of ours: never strategy-owned
            var h = holdings.TryGetValue(f.ContractId, out var existing) ? existing : HoldingModule.empty;
            // A booked order's shares are in the adopted quantity already (confirm_book); its commission is not.
            if (!booked.Contains(f.OrderRef))
                h = HoldingModule.applyFill(Mult(f.ContractId), f.Side == TradeSide.Buy ? Side.Buy : Side.Sell, (int)f.Qty, f.Price, h);
            if (f.Commission is { } c) h = HoldingModule.addFee(c, h);
            else if (ExecIdModule.create(f.ExecId) is { IsOk: true } owedId && f.ContractId is > 0 and <= int.MaxValue
                     && ContractIdModule.create((int)f.ContractId) is { IsOk: true } owedOn)
                feesOwed.Add(Tuple.Create(owedId.ResultValue, owedOn.ResultValue)); // its report comes with the sync's executions
            holdings[f.ContractId] = h;
        }

        var highWater = Math.Max(storedNextOrderId - 1, orders.Select(o => o.IbOrderId ?? 0).DefaultIfEmpty(0).Max());
        var nextSeq = orders.Select(o => o.OrderRef).Concat(lostRefs ?? []).Select(Sequence)
            .Where(i => i < ConfigModule.maxOrderSequence).DefaultIfEmpty(0).Max() + 1;
        var holdingList = holdings
            .Where(kv => kv.Key > 0)
            .Select(kv => Tuple.Create(ContractIdModule.create((int)kv.Key).ResultValue, kv.Value));
        return new Restored((int)Math.Min(highWater, int.MaxValue), nextSeq, ListModule.OfSeq(domainOrders), ListModule.OfSeq(holdingList),
            ListModule.OfSeq(seen), memory is null ? double.NaN : memory.HighWater, memory is null ? FSharpOption<EngineMemory>.None : FSharpOption<EngineMemory>.Some(memory),
            ListModule.OfSeq(external), ListModule.OfSeq(refusals), ListModule.OfSeq(feesOwed), FSharpList<Tuple<string, ControlMeta>>.Empty);
    }

    /// <summary>The stored fills of our orders the live engine refused (<see cref="FillRule.replay"/>), with why, and
    /// each order's permId after its fills (the first applied one's, when the row had none).</summary>
    private static (HashSet<string> ExecIds, List<Tuple<ExecId, OrderRef, FillRefusal>> Named, Dictionary<string, long> PermIds) Refused(
        Config cfg, IReadOnlyList<OrderRecord> orders, IReadOnlyList<FillRecord> fills, HashSet<string> corrections)
    {
        var execIds = new HashSet<string>(StringComparer.Ordinal);
        var named = new List<Tuple<ExecId, OrderRef, FillRefusal>>();
        var permIds = new Dictionary<string, long>(StringComparer.Ordinal);
        var byRef = fills.Where(f => f.OrderRef is not null && !corrections.Contains(f.ExecId)).GroupBy(f => f.OrderRef!)
            .ToDictionary(g => g.Key, g => g.DistinctBy(f => f.ExecId).OrderBy(f => f.TimeNanos).ThenBy(f => f.ExecId, StringComparer.Ordinal).ToList());
        foreach (var o in orders.DistinctBy(o => o.OrderRef))
        {
            if (!byRef.TryGetValue(o.OrderRef, out var own) || ToOrder(o with { IbOrderId = o.IbOrderId ?? 0 }, []) is not { } order) continue;
            var (verdicts, permId) = FillRule.replay(order, ListModule.OfSeq(own.Select(f => Facts(cfg, f))));
            permIds[o.OrderRef] = permId;
            foreach (var (f, why) in own.Zip(verdicts))
            {
                if (why is null) continue;
                execIds.Add(f.ExecId);
                if (ExecIdModule.create(f.ExecId) is { IsOk: true } id) named.Add(Tuple.Create(id.ResultValue, order.Ref, why.Value));
            }
        }
        return (execIds, named, permIds);
    }

    /// <summary>A fill row as the rule reads it, judged by the client id it was recorded under; a row from before schema
    /// 11 has none (not judged by client).</summary>
    private static FillFacts Facts(Config cfg, FillRecord f) => new(
        ContractIdModule.create((int)f.ContractId) is { IsOk: true } c ? c.ResultValue : default, // none: unlike any order
        f.Side == TradeSide.Buy ? Side.Buy : Side.Sell, f.PermId ?? 0, f.ClientId ?? 0,
        Restart.clientJudging(cfg, f.OrderRef, f.EngineClientId is { } e ? FSharpOption<int>.Some(e) : FSharpOption<int>.None));

    /// <summary>The exec ids that are a later revision of an execution stored before them (in the order the engine
    /// received them: receive time, then exec id).</summary>
    public static HashSet<string> Revisions(IEnumerable<FillRecord> fills)
    {
        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        var later = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in fills.DistinctBy(f => f.ExecId).OrderBy(f => f.TimeNanos).ThenBy(f => f.ExecId, StringComparer.Ordinal))
        {
            if (ExecIdModule.create(f.ExecId) is not { IsOk: true } id || ExecIdModule.revisionBase(id.ResultValue) is not { IsSome: true } b) continue;
            if (!first.TryAdd(b.Value, f.ExecId)) later.Add(f.ExecId);
        }
        return later;
    }

    /// <summary>The trailing sequence of <c>oi_{run}_{i}</c>, 0 if the ref has none.</summary>
    public static long Sequence(string orderRef)
    {
        var us = orderRef.LastIndexOf('_');
        return us >= 0 && long.TryParse(orderRef.AsSpan(us + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : 0;
    }

    private static Order? ToOrder(OrderRecord o, List<FillRecord> fills)
    {
        var r = OrderRefModule.create(o.OrderRef);
        var c = ContractIdModule.create((int)o.ContractId);
        if (r.IsError || c.IsError || o.IbOrderId is null) return null;
        var filled = (int)fills.Sum(f => f.Qty);
        // The broker's count as stored, never below the executions: a fill it reported whose execution never arrived is
        // what the restart's sync must see (it halts ORDER_OUTCOME_UNKNOWN rather than hedge those shares again). A
        // cancel asked for stays asked for: the sync's end sends it again while the broker still lists the order.
        var reported = Math.Max(filled, (int)o.ReportedFilled);
        var avg = filled > 0 ? fills.Sum(f => f.Qty * f.Price) / filled : 0.0;
        var type = o.OrderType == "LMT" && o.LimitPrice is { } l ? OrderType.NewLimit(l) : OrderType.Market;
        var placed = Timestamp.NewTimestamp(o.CreatedNanos);
        return new Order(r.ResultValue, (int)o.IbOrderId.Value, o.PermId ?? 0, o.RunId ?? "", Purpose(o.Purpose), c.ResultValue,
            o.Side == TradeSide.Buy ? Side.Buy : Side.Sell, (int)o.Qty, type, Tif(o.Tif), Status(o.Status), filled, reported, avg,
            o.CancelRequested, FSharpOption<OrderUpdate>.None, o.RejectReason ?? "", double.NaN, placed, TimestampModule.zero);
    }

    private static OrderPurpose Purpose(string text) => text switch
    {
        "manual" => OrderPurpose.Manual,
        "manual_strategy" => OrderPurpose.ManualForStrategy,
        "flatten" => OrderPurpose.Flatten,
        "rebalance" => OrderPurpose.Rebalance,
        "portfolio" => OrderPurpose.PortfolioTrade,
        _ => OrderPurpose.Hedge,
    };

    private static TimeInForce Tif(string text) => text switch
    {
        "IOC" => TimeInForce.Ioc,
        "GTC" => TimeInForce.Gtc,
        _ => TimeInForce.Day,
    };

    public static OrderStatus Status(string text) => text switch
    {
        "Submitted" => OrderStatus.Submitted,
        "PartiallyFilled" => OrderStatus.PartiallyFilled,
        "Filled" => OrderStatus.Filled,
        "Cancelled" => OrderStatus.Cancelled,
        "Rejected" => OrderStatus.Rejected,
        "Inactive" => OrderStatus.Inactive,
        _ => OrderStatus.PendingSubmit,
    };
}
