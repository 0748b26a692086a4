using System.CommandLine;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Cli;

/// <summary>`bifrost-sim generate`: writes seeded synthetic tick data in the canonical schema.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var output = new Option<FileInfo>("--out") { Description = "Parquet file to write", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "random seed (same seed, same file)", DefaultValueFactory = _ => 20260302UL };
        var days = new Option<int>("--days") { Description = "trading days to generate", DefaultValueFactory = _ => 1 };
        var symbol = new Option<string>("--symbol") { Description = "underlying symbol", DefaultValueFactory = _ => "XYZ" };
        var start = new Option<string>("--start") { Description = "first trading day, yyyy-MM-dd", DefaultValueFactory = _ => "2026-03-02" };
        var realised = new Option<double?>("--realised-vol") { Description = "constant realised vol per calendar year (GBM, no jumps); default: Heston with jumps around 20%" };
        var implied = new Option<double?>("--implied-vol") { Description = "constant ATM implied vol per calendar year; default: 1.05 x the instantaneous realised vol" };
        var skew = new Option<double>("--skew") { Description = "implied vol slope per unit of ln(K/S)", DefaultValueFactory = _ => -0.10 };
        var rate = new Option<double>("--quotes-per-second") { Description = "average underlying quote updates per second", DefaultValueFactory = _ => 1.5 };
        var stocks = new Option<string[]>("--stocks") { Description = "extra stocks without options, SYM[:SPOT] (a multi-symbol sample for portfolio runs)", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("generate", "Write a synthetic (not real) market, in calendar time: a Heston-like underlying with jumps (or GBM at --realised-vol) and U-shaped activity, plus options (one expiry, listed every day) off a skewed IV surface.")
        {
            output, seed, days, symbol, start, realised, implied, skew, rate, stocks,
        };
        cmd.SetAction(r =>
        {
            if (!DateOnly.TryParseExact(r.GetValue(start), "yyyy-MM-dd", out var first))
                return Fail($"--start must be yyyy-MM-dd, got '{r.GetValue(start)}'");
            if (r.GetValue(days) is < 1 or > 10_000) return Fail("--days must be between 1 and 10000");
            if (CheckDates(first, r.GetValue(days)) is { } badDates) return Fail(badDates);
            if (string.IsNullOrWhiteSpace(r.GetValue(symbol))) return Fail("--symbol must not be empty");
            if (r.GetValue(realised) is { } rv && !(rv > 0 && rv < 5)) return Fail($"--realised-vol must be in (0, 5), got {rv}");
            if (r.GetValue(implied) is { } iv && !(iv > 0 && iv < 5)) return Fail($"--implied-vol must be in (0, 5), got {iv}");
            if (!double.IsFinite(r.GetValue(skew)) || Math.Abs(r.GetValue(skew)) > 5) return Fail($"--skew must be in [-5, 5], got {r.GetValue(skew)}");
            if (!(r.GetValue(rate) is > 0 and <= 1000)) return Fail($"--quotes-per-second must be in (0, 1000], got {r.GetValue(rate)}");
            var path = r.GetValue(output)!.FullName;
            if (Path.GetDirectoryName(path) is { } folder && !Directory.Exists(folder))
                return Fail($"--out: the folder '{folder}' does not exist");
            var options = new GeneratorOptions
            {
                Seed = r.GetValue(seed), Days = r.GetValue(days), Symbol = r.GetValue(symbol)!, FirstDay = first,
                RealisedVol = r.GetValue(realised), ImpliedVol = r.GetValue(implied), Skew = r.GetValue(skew), QuotesPerSecond = r.GetValue(rate),
            };
            List<ExtraStock> extra;
            try
            {
                extra = (r.GetValue(stocks) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(ExtraStock.Parse).ToList();
                if (extra.Any(e => e.Symbol.Equals(options.Symbol, StringComparison.OrdinalIgnoreCase)) || extra.DistinctBy(e => e.Symbol).Count() != extra.Count)
                    return Fail("--stocks: each symbol once, and not the --symbol underlying");
            }
            catch (FormatException e)
            {
                return Fail($"--stocks: {e.Message}");
            }
            long rows;
            try
            {
                rows = extra.Count == 0 ? TickGenerator.WriteFile(path, options) : MultiSymbolGenerator.WriteFile(path, options, extra);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail($"--out: cannot write '{path}': {e.Message}");
            }
            Console.WriteLine($"wrote {rows} rows ({options.Days} day(s), seed {options.Seed}) to {path}");
            return 0;
        });
        return cmd;
    }

    /// <summary>The generated days, and the expiry after them, must lie in [1971-01-01, 2200-12-31]: nanosecond
    /// timestamps wrap outside 1677..2262, and past 9999 the calendar itself ends.</summary>
    public static readonly DateOnly EarliestDay = new(1971, 1, 1), LatestDay = new(2200, 12, 31);

    internal static string? CheckDates(DateOnly first, int days)
    {
        // Trading days become at most 7/5 as many calendar days (+2 for a weekend start) plus the NYSE's holidays (at
        // most ten a year: one in 20 trading days is ample), then the option's expiry (ExpiryCalendarDays, then to a
        // Friday) lies after the last: counted in day numbers, before any AddDays.
        var lastNeeded = (long)first.DayNumber + (days / 5 + 1) * 7L + days / 20 + 2 + new GeneratorOptions().ExpiryCalendarDays + 6;
        if (first < EarliestDay || lastNeeded > LatestDay.DayNumber)
            return $"--start: the generated days and their option expiry must lie within {EarliestDay:yyyy-MM-dd} .. {LatestDay:yyyy-MM-dd}, got --start {first:yyyy-MM-dd} with --days {days}";
        return null;
    }

    internal static int Fail(string message)
    {
        Console.Error.WriteLine($"bifrost-sim: {message}");
        return 2;
    }
}
