using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

/// <summary>
/// Net greeks as a trader reads them (and TWS shows them): delta in shares, gamma in shares per $1 of the underlying,
/// vega in $ per 1 vol point, theta in $ per calendar day. The domain keeps vega per 1.00 of vol (100 points) and theta
/// per year (ACT/365); the console converts and labels.
/// </summary>
internal sealed record TraderGreeks(double DeltaShares, double GammaSharesPerDollar, double VegaPerVolPoint, double ThetaPerDay)
{
    public static TraderGreeks From(Greeks g) => new(g.Delta, g.Gamma, g.Vega / 100.0, g.Theta / 365.0);
}

/// <summary>A labelled amount of money.</summary>
internal sealed record Amount(string Label, double Value);

/// <summary>
/// The run's P&amp;L and its attribution. <see cref="Parts"/> plus <see cref="Unattributed"/> add up to <see cref="Total"/>
/// (realised + unrealised − fees) exactly: whatever the stored parts do not explain is shown, never hidden.
/// </summary>
internal sealed record AttributionVm(double Total, double Today, IReadOnlyList<Amount> Parts, double Unattributed)
{
    public static AttributionVm From(PnlSnapshot p)
    {
        var total = p.Realized + p.Unrealized - p.Fees;
        IReadOnlyList<Amount> parts =
        [
            new("Δ", p.AttrDelta), new("γ", p.AttrGamma), new("θ", p.AttrTheta), new("ν", p.AttrVega),
            new("spread", p.AttrSpread), new("opening", p.AttrOpening), new("basis", p.AttrBasis), new("residual", p.AttrResidual),
            new("fees", -p.Fees),
        ];
        return new AttributionVm(total, p.Daily, parts, total - parts.Sum(a => a.Value));
    }
}

/// <summary>
/// The account as the broker reports it (NAV = NetLiquidation, cash, gross position value, buying power…), or why it is
/// not shown (the daemon reported none yet).
/// </summary>
internal sealed record AccountVm(string? Account, double? Nav, IReadOnlyList<Amount> Values, string? Note)
{
    // IB's account-summary tags, in the order a trader reads them, with the words the console shows.
    private static readonly (string Tag, string Label)[] Tags =
    [
        ("TotalCashValue", "cash"), ("GrossPositionValue", "positions"), ("BuyingPower", "buying power"),
        ("AvailableFunds", "available"), ("ExcessLiquidity", "excess liq"),
    ];

    public static AccountVm From(StatusSnapshot s, DaemonConfig config)
    {
        var values = s.AccountValues;
        if (values.Count == 0)
            return new AccountVm(config.Account, null, [], "not reported by the daemon");
        double? nav = values.TryGetValue("NetLiquidation", out var n) ? n : null;
        var shown = Tags.Where(t => values.ContainsKey(t.Tag)).Select(t => new Amount(t.Label, values[t.Tag])).ToList();
        return new AccountVm(config.Account, nav, shown, nav is null ? "NetLiquidation not reported" : null);
    }
}

/// <summary>Positions are shown by symbol: the daemon's description, else the configured contract's, never a bare con id.</summary>
internal static class Symbols
{
    public static string Of(long conId, string reported, DaemonConfig config)
    {
        var bare = reported.Length == 0 || reported.All(char.IsAsciiDigit);
        if (!bare) return reported;
        return config.Find(conId)?.Description ?? $"unknown contract (con id {conId})";
    }
}
