using Bifrost.Domain;
using Bifrost.Domain.Pricing;

namespace Bifrost.Sim.Ticks;

/// <summary>Parameters of the synthetic market. Every number here is documented in the README ("Sample data").</summary>
public sealed record GeneratorOptions
{
    public ulong Seed { get; init; } = 20260302;
    public string Symbol { get; init; } = "XYZ";
    public DateOnly FirstDay { get; init; } = new(2026, 3, 2);
    public int Days { get; init; } = 1;
    public double Spot0 { get; init; } = 100.0;
    /// <summary>Heston variance process: long-run variance θ, mean reversion κ (per year), vol of variance ξ, correlation ρ.</summary>
    public double Theta { get; init; } = 0.04;
    public double Kappa { get; init; } = 4.0;
    public double Xi { get; init; } = 0.6;
    public double Rho { get; init; } = -0.6;
    public double V0 { get; init; } = 0.04;
    /// <summary>Jumps: expected count per day, mean and stdev of the log jump.</summary>
    public double JumpsPerDay { get; init; } = 2.0;
    public double JumpMean { get; init; } = -0.002;
    public double JumpStdev { get; init; } = 0.008;
    /// <summary>Average underlying quote updates per second over the session (U-shaped around it).</summary>
    public double QuotesPerSecond { get; init; } = 1.5;
    /// <summary>Chance an option re-quotes on an underlying update.</summary>
    public double OptionQuoteProbability { get; init; } = 0.2;
    public double[] Strikes { get; init; } = [95.0, 100.0, 105.0];
    public int ExpiryCalendarDays { get; init; } = 18;
    public double Rate { get; init; } = 0.05;
    /// <summary>Implied vol = VolPremium × √v + Skew × ln(K/S): options priced a little above realised.</summary>
    public double VolPremium { get; init; } = 1.05;
    public double Skew { get; init; } = -0.10;
}

/// <summary>A seeded synthetic trading session: a Heston-like underlying with jumps and U-shaped activity, quoted
/// with spreads, and a handful of options quoted off a skewed implied-volatility surface. Synthetic, not market data.</summary>
public static class TickGenerator
{
    private const double SecondsPerYear = 365.0 * 86_400.0;
    /// <summary>The underlying diffuses in trading time (252 sessions of 6.5 h a year), so σ is a per-trading-year
    /// volatility as desks quote realised vol; options are valued in calendar time (ACT/365) like the domain does.</summary>
    private const double SecondsPerTradingYear = 252.0 * 6.5 * 3600.0;

    public static IEnumerable<(Tick Tick, ContractKey Key)> Generate(GeneratorOptions o)
    {
        var rng = new Xoshiro256(o.Seed);
        var stock = ContractKey.Stock(o.Symbol);
        var s = o.Spot0;
        var v = o.V0;
        var day = o.FirstDay;
        for (var d = 0; d < o.Days; d++)
        {
            while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) day = day.AddDays(1);
            var expiryDate = day.AddDays(o.ExpiryCalendarDays);
            while (expiryDate.DayOfWeek != DayOfWeek.Friday) expiryDate = expiryDate.AddDays(1);
            var expiry = TickFileReader.ToYyyymmdd(expiryDate);
            var options = o.Strikes.SelectMany(k => new[] { ContractKey.Option(o.Symbol, 'C', k, expiry), ContractKey.Option(o.Symbol, 'P', k, expiry) }).ToArray();
            var offset = SessionCalendarModule.utcOffset(TimeZoneRule.UsEastern, TimestampModule.ofDateTimeUtc(day.ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc)));
            var open = new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 30)), TimeSpan.FromMinutes(offset)).ToUnixTimeMilliseconds() * 1_000_000L;
            var sessionNanos = 390L * 60 * 1_000_000_000;
            var expiryNanos = new DateTimeOffset(expiryDate.ToDateTime(new TimeOnly(16, 0)), TimeSpan.FromMinutes(offset)).ToUnixTimeMilliseconds() * 1_000_000L;
            var t = open;
            var lastTs = open;
            while (true)
            {
                // U-shaped activity: twice as busy at the open and close as at midday (thinning of a Poisson process).
                var peak = 3.0 * o.QuotesPerSecond;
                t += (long)(-Math.Log(1.0 - rng.NextDouble()) / peak * 1e9) + 1;
                if (t >= open + sessionNanos) break;
                var x = (double)(t - open) / sessionNanos;
                var intensity = o.QuotesPerSecond * (0.6 + 2.4 * (2 * x - 1) * (2 * x - 1)) / 1.4;
                if (rng.NextDouble() * peak > intensity) continue;
                var dt = (t - lastTs) / 1e9 / SecondsPerTradingYear;
                lastTs = t;
                (s, v) = Evolve(o, rng, s, v, dt);
                var spread = Math.Max(0.01, Math.Round(s * 0.0001 * (1 + Math.Sqrt(v) / 0.2) * 100) / 100);
                var mid = Math.Round(s * 200) / 200;
                var bid = Math.Round((mid - spread / 2) * 100) / 100;
                var ask = Math.Round((bid + spread) * 100) / 100;
                yield return (new Tick(t, stock.ConId, bid, ask, Math.Round(s * 100) / 100, 100 * rng.NextInt(1, 20), 100 * rng.NextInt(1, 20), double.NaN), stock);
                foreach (var opt in options)
                {
                    if (rng.NextDouble() >= o.OptionQuoteProbability) continue;
                    var years = (expiryNanos - t) / 1e9 / SecondsPerYear;
                    var iv = Math.Max(0.05, o.VolPremium * Math.Sqrt(v) + o.Skew * Math.Log(opt.Strike / s));
                    var right = opt.Right == 'C' ? OptionRight.Call : OptionRight.Put;
                    var price = BlackScholes.price(right, new BsInputs(s, opt.Strike, years, o.Rate, 0.0, iv));
                    var half = Math.Max(0.01, Math.Round(price * 0.01 * 100) / 100);
                    var obid = Math.Max(0.0, Math.Round((price - half) * 100) / 100);
                    var oask = Math.Max(obid + 0.01, Math.Round((price + half) * 100) / 100);
                    yield return (new Tick(t, opt.ConId, obid, oask, double.NaN, rng.NextInt(1, 50), rng.NextInt(1, 50), iv), opt);
                }
            }
            // Overnight: a small gap (a tenth of a session's variance) while the variance keeps mean-reverting.
            (s, v) = Evolve(o, rng, s, v, 0.1 / 252.0);
            day = day.AddDays(1);
        }
    }

    private static (double S, double V) Evolve(GeneratorOptions o, Xoshiro256 rng, double s, double v, double dt)
    {
        var z1 = rng.NextGaussian();
        var z2 = o.Rho * z1 + Math.Sqrt(1 - o.Rho * o.Rho) * rng.NextGaussian();
        var vPos = Math.Max(v, 1e-6);
        var vNext = Math.Max(1e-6, v + o.Kappa * (o.Theta - vPos) * dt + o.Xi * Math.Sqrt(vPos * dt) * z2);
        var logReturn = -0.5 * vPos * dt + Math.Sqrt(vPos * dt) * z1;
        var jumpChance = o.JumpsPerDay * dt * 252.0;
        if (rng.NextDouble() < jumpChance) logReturn += o.JumpMean + o.JumpStdev * rng.NextGaussian();
        return (s * Math.Exp(logReturn), vNext);
    }

    /// <summary>Generates to a Parquet file; returns the row count.</summary>
    public static long WriteFile(string path, GeneratorOptions o)
    {
        using var w = new TickFileWriter(path);
        foreach (var (tick, key) in Generate(o)) w.Write(tick, key);
        w.Dispose();
        return w.RowsWritten;
    }
}
