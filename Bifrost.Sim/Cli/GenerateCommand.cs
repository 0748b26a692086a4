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
        var cmd = new Command("generate", "Write a synthetic (not real) trading session: a Heston-like underlying with jumps and U-shaped activity, plus options off a skewed IV surface.")
        {
            output, seed, days, symbol, start,
        };
        cmd.SetAction(r =>
        {
            if (!DateOnly.TryParseExact(r.GetValue(start), "yyyy-MM-dd", out var first))
                return Fail($"--start must be yyyy-MM-dd, got '{r.GetValue(start)}'");
            if (r.GetValue(days) is < 1 or > 10_000) return Fail("--days must be between 1 and 10000");
            var path = r.GetValue(output)!.FullName;
            var options = new GeneratorOptions { Seed = r.GetValue(seed), Days = r.GetValue(days), Symbol = r.GetValue(symbol)!, FirstDay = first };
            var rows = TickGenerator.WriteFile(path, options);
            Console.WriteLine($"wrote {rows} rows ({options.Days} day(s), seed {options.Seed}) to {path}");
            return 0;
        });
        return cmd;
    }

    internal static int Fail(string message)
    {
        Console.Error.WriteLine($"bifrost-sim: {message}");
        return 2;
    }
}
