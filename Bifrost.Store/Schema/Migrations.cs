namespace Bifrost.Store.Schema;

/// <summary>The schema's history, in order. Add a new file + a line here; never change an applied one.</summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "initial", V0001Initial.Sql),
        new(2, "control kinds, alert acknowledgement and delivery", V0002ControlKindsAndAlertDelivery.Sql),
        new(3, "session days for the daily views", V0003SessionDays.Sql),
        new(4, "receive (wall) and venue time on operations, alerts and fills", V0004OperationTimes.Sql),
        new(5, "control writer's OS user", V0005ControlWriterUser.Sql),
        new(6, "portfolio runs: snapshots, runs, run orders; control kind portfolio_run", V0006PortfolioRuns.Sql),
        new(7, "account values and the whole P&L attribution on status", V0007AccountValuesAndAttribution.Sql),
        new(8, "portfolio schedule state", V0008PortfolioSchedule.Sql),
        new(9, "the broker's reported fill count on orders", V0009OrderReportedFilled.Sql),
        new(10, "whether a cancel was asked for each order", V0010OrderCancelRequested.Sql),
        new(11, "the client ids of each fill: the execution's and the engine's", V0011FillClientIds.Sql),
        new(12, "whether each status's day P&L was known", V0012DailyPnlKnown.Sql),
        new(13, "whether each labelled day had a session", V0013SessionDayHasSession.Sql),
    ];

    public static int Latest => All[^1].Version;
}
