using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Sim.Broker;

namespace Bifrost.Sim.Backtest;

/// <summary>Streams a run's commands and fills into its statistics: equity curve, drawdown, Sharpe, hedges, turnover,
/// slippage, guard blocks by reason, time per FSM state, alerts, and the canonical order list.</summary>
internal sealed class RunStatistics(long curveNanos, Func<long, int> sessionDayOf)
{
    private readonly List<string> _orders = new();
    private readonly SortedDictionary<string, long> _guardBlocks = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _alerts = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, double> _seconds = new(StringComparer.Ordinal);
    private readonly List<EquityPoint> _curve = new();
    private EquityPoint? _pendingPoint;
    private double _peak;

    public long Orders { get; private set; }
    public long Hedges { get; private set; }
    public long Fills { get; private set; }
    public long Shares { get; private set; }
    public double Turnover { get; private set; }
    public long GuardBlockEvents { get; private set; }
    public double MaxDrawdown { get; private set; }
    private double _slipMoney, _slipBps;
    private long _slipQty;

    private string _fsm = "";
    private long _fsmSince;
    private object? _fsmObject;

    public void OnOrder(OrderRequest r, long now)
    {
        Orders++;
        if (r.Purpose.IsHedge) Hedges++;
        var (type, limit) = r.Type is OrderType.Limit l ? ("LMT", l.limit.ToString("R", CultureInfo.InvariantCulture)) : ("MKT", "");
        _orders.Add(string.Create(CultureInfo.InvariantCulture,
            $"{now},{OrderRefModule.value(r.Ref)},{SideModule.name(r.Side)},{r.Quantity},{type},{limit}"));
    }

    public void OnFill(SimExecution x, int multiplier)
    {
        Fills++;
        Shares += x.Quantity;
        Turnover += Math.Abs(x.Quantity * x.Price * multiplier);
        if (!double.IsFinite(x.MidAtFill) || !(x.MidAtFill > 0)) return;
        var perShare = x.Order.Request.Side * (x.Price - x.MidAtFill);
        _slipMoney += perShare * x.Quantity;
        _slipBps += perShare / x.MidAtFill * 10_000.0 * x.Quantity;
        _slipQty += x.Quantity;
    }

    public void OnOperation(Operation op)
    {
        if (!op.Kind.IsGuardBlocked) return;
        GuardBlockEvents++;
        // Detail: "CODE1,CODE2 | trigger …"
        var detail = op.Detail ?? "";
        var bar = detail.IndexOf(" | ", StringComparison.Ordinal);
        var codes = bar >= 0 ? detail[..bar] : detail;
        foreach (var code in codes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            _guardBlocks[code] = _guardBlocks.GetValueOrDefault(code) + 1;
    }

    public void OnAlert(Alert a) => _alerts[a.Code] = _alerts.GetValueOrDefault(a.Code) + 1;

    /// <summary>Called after every reducer step: charges the elapsed time to the state being left.</summary>
    public void OnFsm(FsmState fsm, long now)
    {
        if (ReferenceEquals(fsm, _fsmObject)) return;
        _fsmObject = fsm;
        var name = fsm.IsHalted ? "Halted" : FsmStateModule.name(fsm);
        if (name == _fsm) return;
        if (_fsm.Length > 0) _seconds[_fsm] = _seconds.GetValueOrDefault(_fsm) + (now - _fsmSince) / 1e9;
        _fsm = name;
        _fsmSince = now;
    }

    public double MaxAbsNetDelta { get; private set; }
    public double MaxPosition { get; private set; }
    public double MaxNotional { get; private set; }

    public void OnExposure(double netDelta, int stockShares, double spot)
    {
        if (double.IsFinite(netDelta)) MaxAbsNetDelta = Math.Max(MaxAbsNetDelta, Math.Abs(netDelta));
        MaxPosition = Math.Max(MaxPosition, Math.Abs(stockShares));
        if (double.IsFinite(spot)) MaxNotional = Math.Max(MaxNotional, Math.Abs(stockShares * spot));
    }

    /// <summary>Distinct exchange session days of the curve's points (the calendar's local dates: a session across a UTC
    /// midnight, Sydney's, is one day, not two).</summary>
    public int CurveDays => _curve.Select(p => sessionDayOf(p.TimeNanos)).Distinct().Count();

    public void OnEquity(in EquityPoint p)
    {
        _peak = Math.Max(_peak, p.TotalPnl);
        MaxDrawdown = Math.Max(MaxDrawdown, _peak - p.TotalPnl);
        if (_pendingPoint is { } q && Bucket(q.TimeNanos) != Bucket(p.TimeNanos)) _curve.Add(q);
        _pendingPoint = p;
    }

    private long Bucket(long t) => Math.DivRem(t, curveNanos, out var r) - (r < 0 ? 1 : 0);

    public (IReadOnlyList<EquityPoint> Curve, double? Sharpe) FinishCurve(double curveSeconds)
    {
        if (_pendingPoint is { } q) _curve.Add(q);
        _pendingPoint = null;
        if (_curve.Count < 3) return (_curve, null);
        var n = _curve.Count - 1;
        double sum = 0, sumSq = 0;
        for (var i = 1; i < _curve.Count; i++) sum += _curve[i].TotalPnl - _curve[i - 1].TotalPnl;
        var mean = sum / n;
        for (var i = 1; i < _curve.Count; i++)
        {
            var d = _curve[i].TotalPnl - _curve[i - 1].TotalPnl - mean;
            sumSq += d * d;
        }
        var sd = Math.Sqrt(sumSq / (n - 1));
        if (!(sd > 1e-12)) return (_curve, null);
        var periodsPerYear = 252.0 * 6.5 * 3600.0 / curveSeconds;
        return (_curve, mean / sd * Math.Sqrt(periodsPerYear));
    }

    public IReadOnlyDictionary<string, double> FinishStates(long end)
    {
        if (_fsm.Length > 0) _seconds[_fsm] = _seconds.GetValueOrDefault(_fsm) + (end - _fsmSince) / 1e9;
        _fsmSince = end;
        return _seconds;
    }

    public IReadOnlyDictionary<string, long> GuardBlocks => _guardBlocks;
    public IReadOnlyDictionary<string, long> Alerts => _alerts;
    public IReadOnlyList<string> OrderList => _orders;

    public SlippageStats Slippage => _slipQty == 0
        ? new SlippageStats(Fills, 0, 0, 0)
        : new SlippageStats(Fills, _slipQty, _slipBps / _slipQty, _slipMoney / _slipQty);

    /// <summary>SHA-256 of the canonical order list (lines joined by '\n', UTF-8), lower-case hex.</summary>
    public static string HashOrders(IReadOnlyList<string> lines)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var line in lines)
        {
            h.AppendData(Encoding.UTF8.GetBytes(line));
            h.AppendData("\n"u8);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }
}
