using System.Text.Json;
using Bifrost.Daemon.Broker;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.Records;
using CheckResult = Bifrost.Store.Records.CheckResult;
using StoreStatus = Bifrost.Store.Records.StatusSnapshot;
using DomainStatus = Bifrost.Domain.Trading.StatusSnapshot;
using DomainHealth = Bifrost.Domain.Trading.Health;

namespace Bifrost.Daemon.Engine;

/// <summary>The reducer's status snapshot → the store's status row (what the monitor shows).</summary>
public sealed class StatusMapper(Config cfg, ContractTable contracts, string configSummaryJson)
{
    /// <summary>The configuration as the console reads it; <paramref name="portfolio"/>: the portfolio.universe stocks
    /// and their con ids (the console names them and offers them in the book confirmation: a run's order that filled
    /// unseen is confirmed like a hedge's).</summary>
    public static string ConfigSummary(Config cfg, string host, int port, int clientId, string clock,
        IEnumerable<KeyValuePair<string, ContractId>>? portfolio = null) =>
        JsonSerializer.Serialize(new
        {
            run_id = cfg.RunId,
            mode = cfg.Mode.IsLive ? "live" : "paper",
            account = cfg.Account,
            broker = $"{host}:{port}",
            client_id = clientId,
            clock,
            underlying = cfg.Strategy.Underlying.Symbol,
            underlying_con_id = ContractIdModule.value(cfg.Strategy.Underlying.ContractId),
            legs = cfg.Strategy.Legs.Select(l => new
            {
                con_id = ContractIdModule.value(l.Option.ContractId),
                contract = ContractTable.From(cfg).Find(ContractIdModule.value(l.Option.ContractId))?.Description,
                right = l.Option.Right.IsCall ? "C" : "P",
                strike = l.Option.Strike,
                expiry = ContractTable.ExpiryText(l.Option.Expiry),
                multiplier = l.Option.Multiplier,
                quantity = l.Quantity,
            }),
            portfolio = portfolio?.Select(kv => new { symbol = kv.Key, con_id = ContractIdModule.value(kv.Value) }).ToList(),
            target_delta = cfg.Strategy.TargetDelta,
            // What the console's confirmations quote: the stop/flatten behaviour and the fat-finger ceiling.
            control = new
            {
                cancel_on_stop = cfg.Control.CancelOnStop,
                after_flatten = cfg.Control.AfterFlatten.IsStopAfterFlatten ? "stop" : "pause",
                flatten_target = cfg.Control.FlattenTarget.IsFlatBookDelta ? "book_delta" : "zero",
                max_manual_quantity = cfg.Control.MaxManualQuantity,
                max_manual_notional = cfg.Control.MaxManualNotional,
                limit_price_band = cfg.Control.LimitPriceBand,
            },
        });

    /// <summary>A contract as a trader names it (<c>XYZ</c>, <c>XYZ 20260320 C 100</c>); an id outside the universe says so.</summary>
    public string Describe(ContractId id) =>
        contracts.Find(ContractIdModule.value(id))?.Description
        ?? $"unknown contract (con id {ContractIdModule.value(id).ToString(System.Globalization.CultureInfo.InvariantCulture)})";

    public StoreStatus Map(DomainStatus s, State state, long heartbeatNanos)
    {
        var report = s.Report;
        var positions = new List<PositionEntry>();
        foreach (var p in s.Positions)
        {
            var id = ContractIdModule.value(p.ContractId);
            var info = contracts.Find(id);
            var symbol = info?.Description ?? id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var secType = info?.SecType ?? "";
            var mark = StateModule.mark(cfg, state, p.ContractId);
            double? price = double.IsFinite(mark) ? mark : null;
            var holding = PortfolioModule.holding(p.ContractId, state.Portfolio);
            if (p.Strategy != 0) positions.Add(new PositionEntry(id, symbol, secType, p.Strategy, F(holding.AvgCost), PositionOwner.Strategy, price));
            var external = p.Broker - p.Strategy;
            if (external != 0)
            {
                var cost = PortfolioModule.brokerCost(p.ContractId, state.Portfolio);
                positions.Add(new PositionEntry(id, symbol, secType, external, cost is null ? 0 : F(cost.Value), PositionOwner.External, price));
            }
        }
        var link = state.Connectivity;
        var farms = link.Farms.Where(f => !f.Value).Select(f => FarmName(f.Key.Item1) + (f.Key.Item2.Length == 0 ? "" : " " + f.Key.Item2)).ToList();
        // The target the hedger keeps (a rebalance's tilt included), the one the light judges delta against.
        var target = StateModule.targetDelta(cfg, state);
        return new StoreStatus
        {
            TimeNanos = s.Time.Nanos,
            FsmState = s.FsmState,
            Health = HealthOf(report.Health),
            Checks = report.Checks.Select(c => new CheckResult(c.Name, CheckHealth(c), c.Detail)).ToList(),
            BlockReasons = report.BlockReasons.Select(BlockReasonModule.code).ToList(),
            Positions = positions,
            NetGreeks = new Greeks(F(s.NetDelta), F(s.Book.Gamma), F(s.Book.Vega), F(s.Book.Theta)),
            Pnl = new PnlSnapshot(F(s.RealizedPnl), F(s.UnrealizedPnl), F(s.Fees), F(s.DailyPnl), F(s.Attribution.Gamma), F(s.Attribution.Theta),
                F(s.Attribution.Vega), F(s.Attribution.Delta), F(s.Attribution.Residual), F(s.Attribution.Spread), F(s.Attribution.Opening),
                F(s.Attribution.Basis), s.DailyPnlKnown),
            Band = double.IsFinite(s.BandHalfWidth) ? new HedgeBand(target - s.BandHalfWidth, target + s.BandHalfWidth, target) : null,
            Limits =
            [
                new LimitUsage("max_position", Math.Abs(StateModule.hedgePosition(cfg, state)), cfg.Risk.MaxPosition),
                new LimitUsage("max_daily_trades", s.TradesToday, cfg.Risk.MaxDailyTrades),
                new LimitUsage("daily_loss_limit", Math.Max(0, -F(s.DailyPnl)), cfg.Risk.DailyLossLimit),
                .. StateModule.pnlLimitsUsage(cfg, state).Select(u => new LimitUsage(u.Item1, F(u.Item2), u.Item3)),
            ],
            Connection = !link.SocketUp ? "disconnected" : link.ServerBroken ? "connected, TWS lost IB's servers (2110)" : !link.IbUp ? "connected, TWS lost IB (1100)" : "connected",
            MarketData = MarketDataText(report, farms),
            ConfigSummaryJson = configSummaryJson,
            HeartbeatNanos = heartbeatNanos,
            DaemonPid = Environment.ProcessId,
            RunId = cfg.RunId,
            AccountValues = state.AccountValues.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value),
        };
    }

    /// <summary>The store keeps numbers NOT NULL and SQLite stores NaN as NULL: unknown values (no quote yet) are written as 0.</summary>
    private static double F(double v) => double.IsFinite(v) ? v : 0.0;

    private static string FarmName(Farm f) => f.IsMarketDataFarm ? "market data farm" : f.IsHistoricalFarm ? "historical farm" : "sec-def farm";

    public static Bifrost.Store.Records.Health HealthOf(DomainHealth h) =>
        h.IsHealthy ? Bifrost.Store.Records.Health.Ok : h.IsDegraded ? Bifrost.Store.Records.Health.Degraded : Bifrost.Store.Records.Health.Blocked;

    /// <summary>The domain says which failed checks block (RED) and which degrade (YELLOW).</summary>
    private static Bifrost.Store.Records.Health CheckHealth(Bifrost.Domain.Trading.CheckResult c) =>
        c.Passed ? Bifrost.Store.Records.Health.Ok : c.Blocking ? Bifrost.Store.Records.Health.Blocked : Bifrost.Store.Records.Health.Degraded;

    /// <summary>"ok" only when every quote is fresh by receive-time age (not merely the farms up).</summary>
    private static string MarketDataText(SelfCheckReport report, List<string> farms)
    {
        var fresh = report.Checks.FirstOrDefault(c => c.Name == "data_fresh");
        var parts = new List<string>();
        if (fresh is { Passed: false }) parts.Add((fresh.Blocking ? "stale quotes: " : "lagging quotes: ") + fresh.Detail);
        parts.AddRange(farms.Select(f => f + " broken"));
        return parts.Count == 0 ? "ok" : (fresh is { Passed: false, Blocking: true } ? "stale (" : "degraded (") + string.Join("; ", parts) + ")";
    }

    /// <summary>What makes a snapshot worth a history row: state, health and positions (not prices, which move on every tick).</summary>
    public static string ChangeKey(StoreStatus s) =>
        $"{s.FsmState}|{s.Health}|{string.Join(";", s.Positions.Select(p => $"{p.ContractId}:{p.Owner}:{p.Quantity}"))}|{string.Join(",", s.BlockReasons)}";
}
