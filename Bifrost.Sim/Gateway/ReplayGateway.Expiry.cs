using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Gateway;

/// <summary>
/// The broker's expiry settlement, when <see cref="GatewayOptions.SettleExpiries"/> is on: at 16:00 New York on its
/// expiry date an option position in the money by $0.01 or more at the underlying's last mid is exercised (long) or
/// assigned (short): it leaves the account and the stock is delivered at the strike; one out of the money lapses.
/// Ledger lines <c>exercise</c>/<c>lapse</c> (the option) and <c>delivery</c> (the stock, signed by its side), and
/// position updates to subscribed clients. Without a price for the underlying the settlement waits for one.
/// </summary>
public sealed partial class ReplayGateway
{
    /// <summary>OCC's exercise-by-exception threshold.</summary>
    private const double ExerciseThreshold = 0.01;

    private void SettleExpiries()
    {
        if (!_options.SettleExpiries) return;
        foreach (var (conId, (qty, _)) in _broker.Account.Positions.Where(p => p.Value.Qty != 0).ToList())
        {
            if (!Contracts.TryGet(conId, out var k) || !k.IsOption || NowNanos < ExpiryNanos(k)) continue;
            var stock = Contracts.All.FirstOrDefault(c => !c.Value.IsOption && c.Value.Symbol == k.Symbol).Key;
            var spot = stock == 0 ? double.NaN : Mark(stock);
            if (!double.IsFinite(spot)) continue;
            var intrinsic = k.Right == 'C' ? spot - k.Strike : k.Strike - spot;
            var exercised = intrinsic >= ExerciseThreshold;
            var mult = GatewayContracts.Multiplier(k);
            _broker.Account.Apply(conId, -qty, exercised ? intrinsic : 0.0, mult, 0);
            Settled(exercised ? "exercise" : "lapse", conId, k, -qty, exercised ? intrinsic : 0.0);
            PositionChanged(conId);
            if (!exercised) continue;
            var shares = qty * mult * (k.Right == 'C' ? 1 : -1);
            // Delivered at the strike: the option's intrinsic above and the stock at the spot come to the same cash.
            _broker.Account.Apply(stock, shares, spot, 1, 0);
            Settled("delivery", stock, Contracts.All[stock], shares, spot);
            PositionChanged(stock);
            Log($"expiry: {k} {qty} {(exercised ? "exercised" : "lapsed")} at spot {spot:0.00}; {shares:+0;-0} {k.Symbol} delivered");
        }
    }

    private void Settled(string type, int conId, ContractKey key, int signedQty, double price) =>
        _ledger.Append(new LedgerEntry
        {
            Type = type, TsNanos = NowNanos, Time = TwsTime(NowNanos), Account = _options.Account, ConId = conId, Contract = key.ToString(),
            Side = signedQty > 0 ? "BOT" : "SLD", Quantity = Math.Abs(signedQty), Price = price,
        });

    /// <summary>16:00 New York on the expiry date.</summary>
    private static long ExpiryNanos(ContractKey k)
    {
        var day = DateOnly.ParseExact(k.ExpiryYyyymmdd.ToString(System.Globalization.CultureInfo.InvariantCulture), "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var localAsUtc = new DateTimeOffset(day.ToDateTime(new TimeOnly(16, 0)), TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;
        return localAsUtc - EasternOffsetMinutes(localAsUtc) * 60_000_000_000L;
    }
}
