using System.Globalization;
using Bifrost.Store.Records;
using Bifrost.Tui.Input;

namespace Bifrost.Tui.Model;

/// <summary>The Runs, Alerts and Statistics screens as styled lines, from store rows. Pure.</summary>
internal static class TextScreens
{
    /// <param name="zoneLabel">the zone of the shown times ("UTC", "UTC-05:00"), said in the titles</param>
    public static TextScreenVm? Build(StoreData data, Screen screen, MonitorSettings settings, string zoneLabel = "") => screen switch
    {
        Screen.Runs when data.RunList is { } runs => Runs(runs, data.DecisionPrices ?? new Dictionary<string, double>(), data.Status, settings.Zone,
            data.PortfolioRuns ?? [], data.NewestSnapshot, zoneLabel),
        Screen.Alerts when data.Alerts is { } alerts => Alerts(alerts, data.UnacknowledgedAlerts, settings.Zone, zoneLabel),
        Screen.Stats when data.StatsDays is { } days => Stats(days, data.StatsOrders ?? []),
        _ => null,
    };

    public static TextScreenVm Runs(IReadOnlyList<(RunSummary Run, IReadOnlyList<OrderRecord> Orders, IReadOnlyList<FillRecord> Fills)> runs,
        IReadOnlyDictionary<string, double> decisions, StatusSnapshot? status, TimeZoneInfo zone,
        IReadOnlyList<PortfolioRunRecord>? portfolioRuns = null, PortfolioSnapshotRecord? newestSnapshot = null, string zoneLabel = "")
    {
        var lines = new List<TextLine> { new("RUNS (newest first): status, orders, filled/ordered, fills, fees, slippage vs decision mid" + Times(zoneLabel), "title") };
        if (runs.Count == 0) lines.Add(new("(no runs recorded)", "dim"));
        foreach (var (run, orders, fills) in runs)
        {
            var row = RunsModel.Row(run, orders, fills, decisions, zone);
            lines.Add(new(RunsModel.Line(row), row.Status switch { "failed" => "bad", "partial" => "warn", "running" => "warn", "done" => "good", _ => "" }));
        }
        if (portfolioRuns is { Count: > 0 })
        {
            // The run machine's status (a blocked run sent no order, so the order-derived list above cannot show it).
            lines.Add(new("PORTFOLIO RUNS (newest first): status, reasons, snapshot, fallback; the newest run's orders and targets", "title"));
            for (var i = 0; i < portfolioRuns.Count; i++)
            {
                var r = portfolioRuns[i];
                lines.Add(new(PortfolioRunsModel.Line(r, zone), PortfolioRunsModel.Style(r.Status)));
                if (i > 0) continue;
                lines.AddRange(r.Orders.Select(o => new TextLine(PortfolioRunsModel.OrderLine(o), o.Status is "rejected" or "cancelled" ? "bad" : "")));
                if (newestSnapshot is { } s && s.Id == r.SnapshotId)
                {
                    lines.Add(new(PortfolioRunsModel.SnapshotLine(s), "dim"));
                    lines.AddRange(s.Lines.Select(l => new TextLine(PortfolioRunsModel.TargetLine(l))));
                }
            }
        }
        lines.Add(new("detail and cancel: bifrost-tui runs RUN, bifrost-tui cancel RUN; portfolio: bifrost-tui portfolio-runs RUN", "dim"));
        return new TextScreenVm(lines);
    }

    public static TextScreenVm Alerts(IReadOnlyList<Bifrost.Store.ReadModel.AlertView> alerts, long unacknowledged, TimeZoneInfo zone, string zoneLabel = "")
    {
        var rows = AlertsModel.Rows(alerts, zone);
        var lines = new List<TextLine> { new($"ALERTS (unacknowledged first, then newest) · {unacknowledged} unacknowledged · a acknowledges the newest unacknowledged" + Times(zoneLabel), "title") };
        if (rows.Count == 0) lines.Add(new("(no alerts)", "dim"));
        foreach (var a in rows)
            lines.Add(new(AlertsModel.Line(a), !a.Acknowledged && a.Severity == "CRITICAL" ? "bad" : !a.Acknowledged ? "warn" : "dim"));
        return new TextScreenVm(lines, rows.FirstOrDefault(a => !a.Acknowledged)?.Id);
    }

    public static TextScreenVm Stats(IReadOnlyList<DailySummary> days, IReadOnlyList<Bifrost.Store.ReadModel.OrderTimeline> orders)
    {
        var stats = Statistics.Build(days, orders, StatsPeriod.Day);
        var lines = new List<TextLine> { new("HISTORY & STATISTICS per session day (weeks/months and CSV: bifrost-tui stats --by week|month --csv)", "title") };
        lines.AddRange(Statistics.Lines(stats).Select((l, i) => new TextLine(l, i == 0 ? "dim" : "")));
        return new TextScreenVm(lines);
    }

    private static string Times(string zoneLabel) => zoneLabel.Length > 0 ? $" · times {zoneLabel}" : "";

    public static string Percent(double v) => v.ToString("0%", CultureInfo.InvariantCulture);
}
