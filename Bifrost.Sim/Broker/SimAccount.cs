namespace Bifrost.Sim.Broker;

/// <summary>Positions and cash of the one shared account (every client id trades it).</summary>
public sealed class SimAccount(string accountId, double startingCash)
{
    private readonly Dictionary<int, (int Qty, double AvgCost)> _positions = new();

    public string AccountId { get; } = accountId;
    public double Cash { get; private set; } = startingCash;
    public double Commissions { get; private set; }
    public double Realized { get; private set; }
    public IReadOnlyDictionary<int, (int Qty, double AvgCost)> Positions => _positions;

    public int Position(int conId) => _positions.TryGetValue(conId, out var p) ? p.Qty : 0;

    /// <summary>Seeds a position (e.g. the option book held before the session starts).</summary>
    public void Seed(int conId, int qty, double avgCost) => _positions[conId] = (qty, avgCost);

    public void Apply(int conId, int signedQty, double price, int multiplier, double commission)
    {
        Cash -= signedQty * price * multiplier + commission;
        Commissions += commission;
        var (qty, avg) = _positions.TryGetValue(conId, out var p) ? p : (0, 0.0);
        var next = qty + signedQty;
        if (qty == 0 || Math.Sign(qty) == Math.Sign(signedQty))
            avg = (avg * Math.Abs(qty) + price * Math.Abs(signedQty)) / Math.Abs(next);
        else
        {
            var closing = Math.Min(Math.Abs(qty), Math.Abs(signedQty));
            Realized += closing * (price - avg) * Math.Sign(qty) * multiplier;
            avg = next == 0 ? 0 : Math.Sign(next) == Math.Sign(qty) ? avg : price;
        }
        _positions[conId] = (next, avg);
    }

    /// <summary>Net liquidation at the given marks (NaN marks fall back to average cost).</summary>
    public double NetLiquidation(Func<int, double> mark, Func<int, int> multiplier) =>
        Cash + _positions.Sum(p =>
        {
            var m = mark(p.Key);
            return p.Value.Qty * (double.IsFinite(m) ? m : p.Value.AvgCost) * multiplier(p.Key);
        });
}
