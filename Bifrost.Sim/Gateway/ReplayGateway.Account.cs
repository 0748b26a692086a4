using System.Globalization;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Requests;

namespace Bifrost.Sim.Gateway;

/// <summary>The one shared account: positions, summary and portfolio updates, whichever client traded.</summary>
public sealed partial class ReplayGateway
{
    private static readonly string[] SummaryTags =
    [
        "AccountType", "NetLiquidation", "TotalCashValue", "SettledCash", "AccruedCash", "BuyingPower", "EquityWithLoanValue",
        "GrossPositionValue", "InitMarginReq", "MaintMarginReq", "AvailableFunds", "ExcessLiquidity", "Cushion", "RealizedPnL",
        "UnrealizedPnL",
    ];

    /// <summary>The shared account's positions (conId → quantity, average cost per unit), for in-process tests.</summary>
    public async Task<IReadOnlyDictionary<int, (int Qty, double AvgCost)>> PositionsAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return new Dictionary<int, (int, double)>(_broker.Account.Positions);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The contract's last mid (NaN without a two-sided quote), for in-process tests.</summary>
    public async Task<double> MarkAsync(int conId)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return Mark(conId);
        }
        finally
        {
            _gate.Release();
        }
    }

    private double Mark(int conId) => _latest.TryGetValue(conId, out var t) && t.Bid > 0 && t.Ask > 0 ? 0.5 * (t.Bid + t.Ask) : double.NaN;

    private int MultiplierOf(int conId) => Contracts.TryGet(conId, out var k) ? GatewayContracts.Multiplier(k) : 1;

    private IbPosition PositionOf(int conId, int qty, double avg) =>
        new(_options.Account, Contracts.Report(conId, ""), qty, avg * MultiplierOf(conId));

    private void Positions(GatewaySession s)
    {
        foreach (var (conId, (qty, avg)) in _broker.Account.Positions.OrderBy(p => p.Key)) s.Send(PositionOf(conId, qty, avg));
        s.Send(IbPositionEnd.Instance);
    }

    /// <summary>A fill changed a position: live position and portfolio updates go to every subscribed client.</summary>
    private void PositionChanged(int conId)
    {
        var (qty, avg) = _broker.Account.Positions.TryGetValue(conId, out var p) ? p : (0, 0.0);
        var delayMs = Take(ref _delayPositionCount) ? _delayPositionMs : 0;
        foreach (var s in Sessions())
        {
            if (s.PositionsSubscribed && delayMs > 0) _ = SendLaterAsync(s, [PositionOf(conId, qty, avg)], delayMs);
            else if (s.PositionsSubscribed) s.Send(PositionOf(conId, qty, avg));
            // IB re-sends a subscribed summary's changed values (every 3 minutes); the gateway at once.
            foreach (var req in s.AccountSummaryRequests.Values.ToList()) AccountSummary(s, req);
            if (s.AccountUpdatesSubscribed)
            {
                s.Send(PortfolioOf(conId, qty, avg));
                foreach (var v in AccountValues()) s.Send(v);
                s.Send(new IbUpdateAccountTime(EasternLocal(NowNanos).ToString("HH:mm", CultureInfo.InvariantCulture)));
            }
        }
    }

    private IbUpdatePortfolio PortfolioOf(int conId, int qty, double avg)
    {
        var mult = MultiplierOf(conId);
        var mark = Mark(conId);
        if (!double.IsFinite(mark)) mark = avg;
        var value = qty * mark * mult;
        return new IbUpdatePortfolio(Contracts.Report(conId), qty, mark, value, avg * mult,
            value - qty * avg * mult, 0, _options.Account);
    }

    private Dictionary<string, double> Values()
    {
        var a = _broker.Account;
        var gross = a.Positions.Sum(p => Math.Abs(p.Value.Qty * (double.IsFinite(Mark(p.Key)) ? Mark(p.Key) : p.Value.AvgCost) * MultiplierOf(p.Key)));
        var net = a.NetLiquidation(Mark, MultiplierOf);
        var unrealized = a.Positions.Sum(p => double.IsFinite(Mark(p.Key)) ? p.Value.Qty * (Mark(p.Key) - p.Value.AvgCost) * MultiplierOf(p.Key) : 0);
        var margin = 0.25 * gross;
        return new Dictionary<string, double>
        {
            ["NetLiquidation"] = net, ["TotalCashValue"] = a.Cash, ["SettledCash"] = a.Cash, ["AccruedCash"] = 0,
            ["BuyingPower"] = Math.Max(0, (net - margin) * 4), ["EquityWithLoanValue"] = net, ["GrossPositionValue"] = gross,
            ["InitMarginReq"] = margin, ["MaintMarginReq"] = margin, ["AvailableFunds"] = net - margin, ["ExcessLiquidity"] = net - margin,
            ["Cushion"] = net > 0 ? (net - margin) / net : 0, ["RealizedPnL"] = a.Realized, ["UnrealizedPnL"] = unrealized,
        };
    }

    private static string Money(double v) => Math.Round(v, 2).ToString("0.00", CultureInfo.InvariantCulture);

    private void AccountSummary(GatewaySession s, IbReqAccountSummary req)
    {
        var wanted = req.Tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = Values();
        foreach (var tag in SummaryTags.Where(t => wanted.Length == 0 || wanted.Contains(t, StringComparer.OrdinalIgnoreCase)))
        {
            if (tag == "AccountType") s.Send(new IbAccountSummary(req.ReqId, _options.Account, tag, "INDIVIDUAL", ""));
            else s.Send(new IbAccountSummary(req.ReqId, _options.Account, tag, tag == "Cushion" ? values[tag].ToString("0.0000", CultureInfo.InvariantCulture) : Money(values[tag]), _options.BaseCurrency));
        }
        s.Send(new IbAccountSummaryEnd(req.ReqId));
        s.AccountSummaryRequests[req.ReqId] = req;
    }

    private IEnumerable<IbUpdateAccountValue> AccountValues()
    {
        foreach (var (key, value) in Values())
            yield return new IbUpdateAccountValue(key, key == "Cushion" ? value.ToString("0.0000", CultureInfo.InvariantCulture) : Money(value), _options.BaseCurrency, _options.Account);
        yield return new IbUpdateAccountValue("CashBalance", Money(_broker.Account.Cash), _options.BaseCurrency, _options.Account);
    }

    private void AccountUpdates(GatewaySession s, IbReqAccountUpdates req)
    {
        s.AccountUpdatesSubscribed = req.Subscribe;
        if (!req.Subscribe) return;
        s.Send(new IbUpdateAccountValue("AccountCode", _options.Account, "", _options.Account));
        s.Send(new IbUpdateAccountValue("AccountType", "INDIVIDUAL", "", _options.Account));
        foreach (var v in AccountValues()) s.Send(v);
        foreach (var (conId, (qty, avg)) in _broker.Account.Positions.OrderBy(p => p.Key)) s.Send(PortfolioOf(conId, qty, avg));
        s.Send(new IbUpdateAccountTime(EasternLocal(NowNanos).ToString("HH:mm", CultureInfo.InvariantCulture)));
        s.Send(new IbAccountDownloadEnd(_options.Account));
    }
}
