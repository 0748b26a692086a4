using System.Globalization;
using Bifrost.Store.Records;
using Bifrost.Tui.Input;

namespace Bifrost.Tui.Model;

/// <summary>Store rows + UI state + clock → <see cref="MonitorViewModel"/>. Pure: no I/O, the clock is a parameter.</summary>
internal static class MonitorBuilder
{
    public static MonitorViewModel Build(StoreData data, UiState ui, MonitorSettings settings, long nowNanos, Viewport viewport)
    {
        var header = Header(data, settings, nowNanos) with { UnacknowledgedAlerts = data.UnacknowledgedAlerts };
        var dashboard = data.Status is { } s ? Dashboard(s) : DashboardVm.Empty;
        var operations = data.Operations is { } ops ? Operations(ops, data, ui, settings, viewport) with { Zone = Format.ZoneShort(settings.Zone, nowNanos) } : null;
        var history = data.Days is not null || data.Runs is not null ? History(data, ui, settings) : null;
        var controls = Controls(data, ui, dashboard, header, nowNanos, viewport);
        var form = FormContext.From(data.Status);
        var text = ui.Screen switch
        {
            Screen.Ticket => OrderTicket.View(ui.Ticket, form, data.Follow),
            Screen.Rebalance => RebalanceForm.View(ui.Rebalance, form, data.Follow),
            Screen.Book => RebalanceForm.View(ui.Book, form, data.Follow),
            _ => TextScreens.Build(data, ui.Screen, settings, Format.Zone(settings.Zone, nowNanos)),
        };
        // A form's review that the body cannot hold is shown cut, and y sends nothing from it (UiUpdate).
        if (text is { Wrap: true }) text = text with { Cut = text.Rows(viewport.Width) > viewport.BodyRows };
        return new MonitorViewModel(header, ui.Screen, dashboard, operations, history, controls, ui.Help)
        {
            Text = text,
            Form = form,
        };
    }

    public static HeaderVm Header(StoreData data, MonitorSettings settings, long nowNanos)
    {
        var light = LightRules.Decide(data.Status, data.Error, nowNanos, settings.SilentAfter);
        // Every shown time is in this zone (the host's, or UTC with --utc): the clock says which.
        var clock = $"{Format.DateTime(nowNanos, settings.Zone)} {Format.Zone(settings.Zone, nowNanos)}";
        if (data.Status is not { } s)
            return new HeaderVm(light, "-", "-", "-", "-", true, null, null, settings.StorePath, clock);
        var age = LightRules.HeartbeatAge(s, nowNanos);
        return new HeaderVm(light, s.FsmState, Or(s.Connection), Or(s.MarketData), Format.Age(age), age > settings.SilentAfter || light.Reasons.Contains(LightRules.DaemonSilent),
            s.RunId, s.DaemonPid == 0 ? null : s.DaemonPid, settings.StorePath, clock);
    }

    public static DashboardVm Dashboard(StatusSnapshot s)
    {
        var config = DaemonConfig.Parse(s.ConfigSummaryJson);
        var rows = s.Positions
            .Select(p => new PositionRow(p.ContractId, Symbols.Of(p.ContractId, p.Symbol, config), p.SecType, IsHedge(p.SecType), p.Quantity, p.AvgCost, p.MarketPrice, p.Owner))
            .OrderBy(p => p.IsHedge)
            .ThenBy(p => p.Symbol, StringComparer.Ordinal)
            .ToList();
        var strategy = rows.Where(p => p.Owner == PositionOwner.Strategy).ToList();
        var external = rows.Where(p => p.Owner == PositionOwner.External).ToList();
        // The hedge is the configured underlying: a portfolio run's stocks are STK too, and Flatten does not close them.
        bool IsTheHedge(PositionRow p) => config.Underlying is { } u ? p.ContractId == u.ConId : p.IsHedge;
        return new DashboardVm(
            strategy,
            external,
            strategy.Where(IsTheHedge).Sum(p => p.Quantity),
            external.Where(IsTheHedge).Sum(p => p.Quantity),
            s.NetGreeks,
            s.Band is { } band ? Gauges.Band(band, s.NetGreeks.Delta) : null,
            s.Pnl,
            s.Limits.Select(l => Gauges.Limit(l)).ToList())
        {
            Units = TraderGreeks.From(s.NetGreeks),
            Attribution = AttributionVm.From(s.Pnl),
            Account = AccountVm.From(s, config),
            Config = config,
            GreeksUnknown = Failing(s, "greeks_ok"),
            PnlUnknown = Failing(s, "book_valued"),
        };
    }

    /// <summary>The detail of a self-check that did not pass, or null.</summary>
    private static string? Failing(StatusSnapshot s, string check) =>
        s.Checks.FirstOrDefault(c => c.Name == check && c.Health != Health.Ok) is { } c ? c.Detail ?? check : null;

    /// <summary>Options (and futures options) are legs; anything else is the hedge instrument.</summary>
    public static bool IsHedge(string secType) => secType.ToUpperInvariant() is not ("OPT" or "FOP");

    public static OperationRow Row(OperationRecord op, TimeZoneInfo zone, Func<long, string> symbols) => new(
        op.Id,
        op.TimeNanos,
        Format.Time(op.TimeNanos, zone),
        EnumWord(op.Kind),
        op.Side is { } side ? EnumWord(side) : "",
        op.Qty is { } q ? Format.Quantity(q).TrimStart('+') : "",
        op.ContractId is { } c ? symbols(c) : "",
        Format.Price(op.Price),
        op.OrderRef ?? op.RunId ?? "",
        op.Detail ?? "");

    private static OperationsVm Operations(IReadOnlyList<OperationRecord> page, StoreData data, UiState ui, MonitorSettings settings, Viewport viewport)
    {
        var symbols = RunsModel.Symbols(data.Status);
        var shown = page.Take(viewport.OperationRows).Select(op => Row(op, settings.Zone, symbols)).ToList();
        var selected = Math.Clamp(ui.Selected, 0, Math.Max(0, shown.Count - 1));
        OperationDetailVm? detail = null;
        if (ui.DetailOpen && shown.Count > 0)
            detail = Detail(page[selected], data, settings.Zone);
        return new OperationsVm(
            OperationFilters.Kinds[ui.KindFilter % OperationFilters.Kinds.Count].Label,
            OperationFilters.TimeRanges[ui.TimeRange % OperationFilters.TimeRanges.Count].Label,
            shown, selected, data.OperationsTotal, viewport.OperationRows, page.Count > shown.Count, ui.Top is null, detail);
    }

    private static OperationDetailVm Detail(OperationRecord op, StoreData data, TimeZoneInfo zone)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("id", op.Id.ToString(CultureInfo.InvariantCulture)),
            new("time", $"{Format.DateTime(op.TimeNanos, zone)} ({Format.Iso(op.TimeNanos)})"),
            new("kind", EnumWord(op.Kind)),
            new("state / reason", op.Detail ?? "-"),
        };
        if (op.RunId is { } run) fields.Add(new("run", run));
        if (op.OrderRef is { } r) fields.Add(new("order ref", r));
        if (op.ContractId is { } c) fields.Add(new("contract", $"{RunsModel.Symbols(data.Status)(c)} (con id {c.ToString(CultureInfo.InvariantCulture)})"));
        if (op.Side is not null || op.Qty is not null)
            fields.Add(new("side qty @ price", $"{(op.Side is { } s ? EnumWord(s) : "-")} {op.Qty?.ToString(CultureInfo.InvariantCulture) ?? "-"} @ {Format.Price(op.Price)}"));
        if (data.DetailOrder is { } o)
        {
            fields.Add(new("order", $"{o.Purpose} {EnumWord(o.Side)} {o.Qty.ToString(CultureInfo.InvariantCulture)} {o.OrderType}"
                + (o.LimitPrice is { } lp ? $" {Format.Price(lp)}" : "") + $" {o.Tif}"));
            fields.Add(new("order status", $"{o.Status}, filled {o.Filled.ToString(CultureInfo.InvariantCulture)}"
                + (o.AvgPrice is { } ap ? $" @ {Format.Price(ap)}" : "")
                + (o.IbOrderId is { } ib ? $", IB id {ib}" : "") + (o.PermId is { } perm ? $", perm {perm}" : "")));
            if (o.RejectReason is { } reject) fields.Add(new("reject reason", reject));
        }
        var fills = data.DetailFills
            .Select(f => $"{Format.Time(f.TimeNanos, zone)} {EnumWord(f.Side)} {f.Qty.ToString(CultureInfo.InvariantCulture)} @ {Format.Price(f.Price)}"
                + $" exec {f.ExecId}" + (f.Commission is { } fee ? $" fee {fee.ToString("0.00", CultureInfo.InvariantCulture)}" : ""))
            .ToList();
        return new OperationDetailVm(op.Id, fields, fills);
    }

    private static HistoryVm History(StoreData data, UiState ui, MonitorSettings settings)
    {
        var days = (data.Days ?? [])
            .Select(d => new DayRow(d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Realized, d.Unrealized, d.Fees, d.Daily,
                d.HedgeOrders, d.HedgesFilled, d.HedgeQty))
            .ToList();
        var runs = (data.Runs ?? []).Skip(ui.HistoryOffset).Select(r => Run(r, settings.Zone)).ToList();
        return new HistoryVm(days, runs, ui.HistoryOffset);
    }

    public static RunRow Run(RunSummary r, TimeZoneInfo zone)
    {
        var blocks = r.GuardBlocks.OrderByDescending(b => b.Value).ThenBy(b => b.Key, StringComparer.Ordinal).ToList();
        return new RunRow(
            r.Run.RunId,
            EnumWord(r.Run.Kind),
            Format.DateTime(r.Run.StartedNanos, zone),
            r.Run.EndedNanos is { } e ? Format.DateTime(e, zone) : "running",
            r.Metrics?.TotalPnl,
            r.Metrics?.Orders,
            r.Metrics?.Hedges,
            blocks.Count == 0 ? "none" : string.Join(" ", blocks.Select(b => $"{b.Key}:{b.Value}")),
            blocks.Sum(b => b.Value),
            r.Run.ParentRunId);
    }

    private static ControlsVm Controls(StoreData data, UiState ui, DashboardVm dashboard, HeaderVm header, long nowNanos, Viewport viewport)
    {
        ConfirmationVm? pending = null;
        if (ui.Confirm is { } kind)
        {
            var context = new ControlContext(
                header.FsmState,
                dashboard.StrategyHedgeShares,
                dashboard.ExternalShares,
                data.WorkingOrders,
                ControlSettings.FromConfigJson(data.Status?.ConfigSummaryJson),
                dashboard.Band,
                header.Light.Reasons.Contains(LightRules.DaemonSilent) || data.Status is null,
                data.WorkingManualOrders)
            {
                OtherStrategyStocks = dashboard.Strategy.Where(p => p.IsHedge && dashboard.Config.Underlying is { } u && p.ContractId != u.ConId)
                    .Select(p => $"{p.Symbol} {Format.Quantity(p.Quantity)}").ToList(),
                DeltaUnknown = dashboard.GreeksUnknown,
            };
            pending = ControlTexts.Confirmation(kind, context);
            // A confirmation cut by a small terminal is not one: y sends nothing until the operator can read all of it.
            pending = pending with { Fit = ControlTexts.Fit(pending.Text, viewport) };
        }
        var recent = (data.RecentCommands ?? []).Select(c => Command(c, nowNanos)).ToList();
        return new ControlsVm(pending, data.Tracked is { } t ? Command(t, nowNanos) : null, recent, ui.Message);
    }

    public static CommandRow Command(ControlCommand c, long nowNanos) => new(
        c.Id,
        EnumWord(c.Command),
        EnumWord(c.Status),
        c.RequestedBy,
        Format.Age(TimeSpan.FromTicks(Math.Max(0, nowNanos - c.CreatedNanos) / 100)),
        c.Result);

    /// <summary>Enum → the store's snake_case word (guard_block, control_done, self_check…).</summary>
    public static string EnumWord<T>(T value) where T : struct, Enum => EnumText<T>.ToText(value);

    private static string Or(string s) => string.IsNullOrWhiteSpace(s) ? "-" : s;
}
