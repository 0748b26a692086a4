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
    /// <summary>Heston variance process (per calendar year, like every rate here): long-run variance θ, mean reversion
    /// κ, vol of variance ξ, correlation ρ. Ignored when <see cref="RealisedVol"/> is set.</summary>
    public double Theta { get; init; } = 0.04;
    public double Kappa { get; init; } = 4.0;
    public double Xi { get; init; } = 0.6;
    public double Rho { get; init; } = -0.6;
    public double V0 { get; init; } = 0.04;
    /// <summary>Jumps: expected count per session, mean and stdev of the log jump. None when <see cref="RealisedVol"/> is set.</summary>
    public double JumpsPerDay { get; init; } = 0.5;
    public double JumpMean { get; init; } = -0.001;
    public double JumpStdev { get; init; } = 0.004;
    /// <summary>Constant realised volatility (geometric Brownian motion, no jumps), per calendar year; null: Heston.</summary>
    public double? RealisedVol { get; init; }
    /// <summary>Constant at-the-money implied volatility, per calendar year; null: <see cref="VolPremium"/> × √v.</summary>
    public double? ImpliedVol { get; init; }
    /// <summary>Average underlying quote updates per second over the session (U-shaped around it).</summary>
    public double QuotesPerSecond { get; init; } = 1.5;
    /// <summary>Chance an option re-quotes on an underlying update.</summary>
    public double OptionQuoteProbability { get; init; } = 0.2;
    public double[] Strikes { get; init; } = [95.0, 100.0, 105.0];
    /// <summary>Calendar days from the first day to expiry (then to the next Friday); the same options stay listed
    /// every day, and at least this many days remain after the last day.</summary>
    public int ExpiryCalendarDays { get; init; } = 18;
    public double Rate { get; init; } = 0.05;
    /// <summary>Implied vol = ATM vol + Skew × ln(K/S); ATM vol = <see cref="ImpliedVol"/>, else VolPremium × the expected
    /// realised vol per calendar year, √(v + 252 × JumpsPerDay × (JumpMean² + JumpStdev²)): options a little dearer than
    /// the variance the path will deliver on average (jumps happen in sessions only, 252 a year).</summary>
    public double VolPremium { get; init; } = 1.05;
    public double Skew { get; init; } = -0.10;
}

/// <summary>A seeded synthetic market: a Heston-like underlying with jumps (or a constant-vol GBM) and U-shaped
/// activity, quoted with spreads, and a fixed set of options quoted off a skewed implied-volatility surface. Synthetic,
/// not market data.
/// <para>
/// One time basis, calendar time (ACT/365), the domain's: the underlying diffuses over every calendar second — during
/// the session tick by tick, and over nights and weekends in one step at the next open (the opening gap) — so a
/// volatility here means the same thing as the options' implied vol, and a hedged long option earns
/// ½ΓS²(σ_realised² − σ_implied²)dt in expectation, against theta that also runs in calendar time.
/// </para>
/// </summary>
public static class TickGenerator
{
    private const double SecondsPerYear = 365.0 * 86_400.0;
    private const long SessionNanos = 390L * 60 * 1_000_000_000;

    public static IEnumerable<(Tick Tick, ContractKey Key)> Generate(GeneratorOptions o)
    {
        var rng = new Xoshiro256(o.Seed);
        var stock = ContractKey.Stock(o.Symbol);
        var s = o.Spot0;
        var v = o.RealisedVol is { } rv ? rv * rv : o.V0;
        var day = o.FirstDay;
        while (!IsTradingDay(day)) day = day.AddDays(1);
        var lastDay = day;
        for (var d = 1; d < o.Days; d++)
        {
            lastDay = lastDay.AddDays(1);
            while (!IsTradingDay(lastDay)) lastDay = lastDay.AddDays(1);
        }
        // One expiry for the whole file, so the configured legs are quoted every day. A Friday holiday (Good Friday)
        // moves it to the Thursday before, as listed options do; a half day's expiry is its 13:00 close.
        var expiryDate = day.AddDays(o.ExpiryCalendarDays + (lastDay.DayNumber - day.DayNumber));
        while (expiryDate.DayOfWeek != DayOfWeek.Friday) expiryDate = expiryDate.AddDays(1);
        if (ExchangeHolidays.isNyseHoliday(expiryDate)) expiryDate = expiryDate.AddDays(-1);
        var expiry = TickFileReader.ToYyyymmdd(expiryDate);
        var options = o.Strikes.SelectMany(k => new[] { ContractKey.Option(o.Symbol, 'C', k, expiry), ContractKey.Option(o.Symbol, 'P', k, expiry) }).ToArray();
        var expiryNanos = NewYork(expiryDate, Close(expiryDate));
        long? lastTs = null;
        var jumpVariance = 252.0 * o.JumpsPerDay * (o.JumpMean * o.JumpMean + o.JumpStdev * o.JumpStdev);
        for (var d = 0; d < o.Days; d++)
        {
            while (!IsTradingDay(day)) day = day.AddDays(1);
            var open = NewYork(day, new TimeOnly(9, 30));
            var sessionNanos = NewYork(day, Close(day)) - open; // 13:00 on a half day
            var t = open;
            while (true)
            {
                // U-shaped activity: twice as busy at the open and close as at midday (thinning of a Poisson process).
                var peak = 3.0 * o.QuotesPerSecond;
                t += (long)(-Math.Log(1.0 - rng.NextDouble()) / peak * 1e9) + 1;
                if (t >= open + sessionNanos) break;
                var x = (double)(t - open) / sessionNanos;
                var intensity = o.QuotesPerSecond * (0.6 + 2.4 * (2 * x - 1) * (2 * x - 1)) / 1.4;
                if (rng.NextDouble() * peak > intensity) continue;
                // The first quote of a later day carries the night's (or weekend's) diffusion: the opening gap.
                if (lastTs is { } prev)
                {
                    var dt = (t - prev) / 1e9 / SecondsPerYear;
                    var jumpChance = t - prev < SessionNanos ? o.JumpsPerDay * (t - prev) / SessionNanos : 0.0;
                    (s, v) = Evolve(o, rng, s, v, dt, jumpChance);
                }
                lastTs = t;
                var spread = Math.Max(0.01, Math.Round(s * 0.0001 * (1 + Math.Sqrt(v) / 0.2) * 100) / 100);
                var mid = Math.Round(s * 200) / 200;
                var bid = Math.Round((mid - spread / 2) * 100) / 100;
                var ask = Math.Round((bid + spread) * 100) / 100;
                yield return (new Tick(t, stock.ConId, bid, ask, Math.Round(s * 100) / 100, 100 * rng.NextInt(1, 20), 100 * rng.NextInt(1, 20), double.NaN), stock);
                if (t >= expiryNanos) continue;
                var atm = o.ImpliedVol ?? o.VolPremium * Math.Sqrt(v + (o.RealisedVol is null ? jumpVariance : 0.0));
                foreach (var opt in options)
                {
                    if (rng.NextDouble() >= o.OptionQuoteProbability) continue;
                    var years = (expiryNanos - t) / 1e9 / SecondsPerYear;
                    var iv = Math.Max(0.05, atm + o.Skew * Math.Log(opt.Strike / s));
                    var right = opt.Right == 'C' ? OptionRight.Call : OptionRight.Put;
                    var price = BlackScholes.price(right, new BsInputs(s, opt.Strike, years, o.Rate, 0.0, iv));
                    var half = Math.Max(0.01, Math.Round(price * 0.01 * 100) / 100);
                    var obid = Math.Max(0.0, Math.Round((price - half) * 100) / 100);
                    var oask = Math.Max(obid + 0.01, Math.Round((price + half) * 100) / 100);
                    yield return (new Tick(t, opt.ConId, obid, oask, double.NaN, rng.NextInt(1, 50), rng.NextInt(1, 50), iv), opt);
                }
            }
            day = day.AddDays(1);
        }
    }

    /// <summary>A weekday the NYSE opens: its holidays by rule (ExchangeHolidays, the engine's default calendar) skipped.</summary>
    public static bool IsTradingDay(DateOnly day) =>
        day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !ExchangeHolidays.isNyseHoliday(day);

    private static TimeOnly Close(DateOnly day) => ExchangeHolidays.isNyseHalfDay(day) ? new TimeOnly(13, 0) : new TimeOnly(16, 0);

    private static long NewYork(DateOnly day, TimeOnly time)
    {
        var offset = SessionCalendarModule.utcOffset(TimeZoneRule.UsEastern, TimestampModule.ofDateTimeUtc(day.ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc)));
        return new DateTimeOffset(day.ToDateTime(time), TimeSpan.FromMinutes(offset)).ToUnixTimeMilliseconds() * 1_000_000L;
    }

    /// <summary>One step of <paramref name="dt"/> calendar years: Heston (full-truncation Euler) with a jump chance, or
    /// GBM at the constant realised vol.</summary>
    private static (double S, double V) Evolve(GeneratorOptions o, Xoshiro256 rng, double s, double v, double dt, double jumpChance)
    {
        var z1 = rng.NextGaussian();
        if (o.RealisedVol is { } sigma)
            return (s * Math.Exp(-0.5 * sigma * sigma * dt + sigma * Math.Sqrt(dt) * z1), v);
        var z2 = o.Rho * z1 + Math.Sqrt(1 - o.Rho * o.Rho) * rng.NextGaussian();
        var vPos = Math.Max(v, 1e-6);
        var vNext = Math.Max(1e-6, v + o.Kappa * (o.Theta - vPos) * dt + o.Xi * Math.Sqrt(vPos * dt) * z2);
        var logReturn = -0.5 * vPos * dt + Math.Sqrt(vPos * dt) * z1;
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
