using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bifrost.Store.Records;
using Bifrost.Tui.Model;

namespace Bifrost.Tui.Cli;

/// <summary>The JSON shapes of `status --json` and `ops --json`: the monitor's view model, with numbers left as numbers.</summary>
internal static class Reports
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public sealed record LightReport(LightColor Color, string Word, string Caption, IReadOnlyList<string> Reasons, IReadOnlyList<string> FailingChecks, string? Detail);

    public sealed record PositionReport(long ContractId, string Symbol, string SecType, bool IsHedge, double Quantity, double AvgCost, double? MarketPrice);

    public sealed record PositionsReport(IReadOnlyList<PositionReport> Strategy, IReadOnlyList<PositionReport> External, double StrategyHedgeShares, double ExternalShares);

    public sealed record BandReport(double Lower, double Upper, double Target, double Delta, bool Inside, string Bar);

    public sealed record LimitReport(string Name, double Value, double Limit, double? Fraction, LimitLevel Level);

    public sealed record StatusReport(
        string Time,
        string Store,
        LightReport Light,
        string FsmState,
        string Connection,
        string MarketData,
        double? HeartbeatAgeSeconds,
        bool HeartbeatStale,
        string? RunId,
        int? DaemonPid,
        PositionsReport Positions,
        Greeks Greeks,
        BandReport? Band,
        PnlSnapshot Pnl,
        IReadOnlyList<LimitReport> Limits)
    {
        /// <summary>theta per day, vega per 1 vol point (the raw <c>greeks</c> keep the domain's per-year / per-1.00).</summary>
        public TraderGreeks? GreeksTrader { get; init; }

        /// <summary>The run's P&amp;L by part; the parts and <c>unattributed</c> add up to <c>total</c>.</summary>
        public AttributionVm? Attribution { get; init; }

        public AccountVm? Account { get; init; }

        /// <summary>Why <c>greeks</c> are not known (then reported as zeros), or null.</summary>
        public string? GreeksUnknown { get; init; }

        /// <summary>Why <c>pnl</c> is not known (an unmarked holding counts as 0 in it), or null.</summary>
        public string? PnlUnknown { get; init; }
    }

    public sealed record OperationReport(
        long Id, string Time, string? VenueTime, string Kind, string? RunId, string? OrderRef, long? ContractId, string? Side, double? Qty, double? Price, string? Detail);

    /// <summary><c>time_base</c>: the clock of since/until and the order (wall = receive time, venue = engine clock);
    /// every operation carries both <c>time</c> (wall) and <c>venue_time</c> (null when unknown).</summary>
    public sealed record OperationsReport(string Store, string TimeBase, string? Since, string? Until, IReadOnlyList<string> Kinds, int Count, long Matching, IReadOnlyList<OperationReport> Operations);

    public static StatusReport Status(MonitorViewModel vm, StatusSnapshot? status, long nowNanos)
    {
        var h = vm.Header;
        var d = vm.Dashboard;
        var age = status is null ? (TimeSpan?)null : LightRules.HeartbeatAge(status, nowNanos);
        static PositionReport P(PositionRow p) => new(p.ContractId, p.Symbol, p.SecType, p.IsHedge, p.Quantity, p.AvgCost, p.MarketPrice);
        return new StatusReport(
            Format.Iso(nowNanos),
            h.StorePath,
            new LightReport(h.Light.Color, h.Light.Word, h.Light.Caption, h.Light.Reasons, h.Light.FailingChecks, h.Light.Detail),
            h.FsmState,
            h.Connection,
            h.MarketData,
            age is { } a && a != TimeSpan.MaxValue ? Math.Round(a.TotalSeconds, 3) : null,
            h.HeartbeatStale,
            h.RunId,
            h.DaemonPid,
            new PositionsReport(d.Strategy.Select(P).ToList(), d.External.Select(P).ToList(), d.StrategyHedgeShares, d.ExternalShares),
            d.Greeks,
            d.Band is { } b ? new BandReport(b.Lower, b.Upper, b.Target, b.Delta, b.Inside, b.Bar) : null,
            d.Pnl,
            d.Limits.Select(l => new LimitReport(l.Name, l.Value, l.Limit, double.IsFinite(l.Fraction) ? Math.Round(l.Fraction, 4) : null, l.Level)).ToList())
        {
            GreeksTrader = status is null ? null : d.Units,
            Attribution = status is null ? null : d.Attribution,
            Account = status is null ? null : d.Account,
            GreeksUnknown = d.GreeksUnknown,
            PnlUnknown = d.PnlUnknown,
        };
    }

    public static OperationReport Operation(OperationRecord op) => new(
        op.Id, Format.Iso(op.TimeNanos), op.VenueNanos is { } v ? Format.Iso(v) : null, MonitorBuilder.EnumWord(op.Kind), op.RunId, op.OrderRef, op.ContractId,
        op.Side is { } s ? MonitorBuilder.EnumWord(s) : null, op.Qty, op.Price, op.Detail);
}
