using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Microsoft.FSharp.Collections;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>The inputs the engine-loop tests drive (TestConfig's book): a start reconciled with the straddle, then the
/// quotes that put the book's delta outside its band, so the first hedge is due.</summary>
internal static class EngineInputs
{
    public static ContractId Id(int id) => ContractIdModule.create(id).ResultValue;

    /// <summary>The memory with another operator state (an F# record: C# has no `with` for it).</summary>
    public static EngineMemory WithOperator(EngineMemory m, OperatorState op) =>
        new(op, m.StopPending, m.Day, m.TradesToday, m.DayStartPnl, m.HighWater, m.OptionBook, m.PausedBy, m.ExpiredLegs, m.DayLastPnl, m.LastSpot,
            m.LegVols, m.PortfolioPrices, m.TiltClearedThrough, m.LegTerms, m.HedgeRejects, m.LastHedgeAt, m.LastHedgeSpot, m.TakenPnl);

    /// <summary>Started, connected, the straddle reported, every reconciliation scope ended: the engine runs.</summary>
    public static EventPayload[] StartedAndReconciled() =>
    [
        EventPayload.NewEngineStarted(RestoredModule.empty),
        EventPayload.NewBrokerConnected(ListModule.OfSeq(["DU1234567"])),
        EventPayload.NewPositionReported(Id(TestConfig.CallId), 10, 2.5),
        EventPayload.NewPositionReported(Id(TestConfig.PutId), 10, 2.4),
        EventPayload.PositionsEnded,
        EventPayload.OpenOrdersEnded,
        EventPayload.ExecutionsEnded,
    ];

    /// <summary>Both legs quoted, then the stock at 100.50: the first hedge is due.</summary>
    public static EventPayload[] QuotedOutsideTheBand() =>
    [
        .. Quote(TestConfig.CallId, 2.60, 2.62),
        .. Quote(TestConfig.PutId, 2.10, 2.12),
        .. Quote(TestConfig.StockId, 100.49, 100.51),
    ];

    /// <summary>A bid then an ask tick.</summary>
    public static EventPayload[] Quote(int conId, double bid, double ask) =>
    [
        EventPayload.NewTickReceived(Id(conId), TickField.BidPrice, bid),
        EventPayload.NewTickReceived(Id(conId), TickField.AskPrice, ask),
    ];
}
