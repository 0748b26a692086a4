using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Domain;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Ticks;
using Bifrost.Store.Files;

namespace Bifrost.Sim.Sweep;

public enum SweepMethod { Grid, Random, LatinHypercube }

/// <summary>One swept parameter: a JSON path into the config document and either a list of values or a numeric range
/// (<c>min</c>/<c>max</c>; <c>steps</c> points for a grid; <c>integer</c> rounds; <c>log</c> spaces geometrically).</summary>
public sealed record SweepParameter(string Path, IReadOnlyList<JsonNode?>? Values, double Min, double Max, int Steps, bool Integer, bool Log)
{
    public string ShortName => Path.Split('.')[^1];

    /// <summary>How many values a grid takes of this parameter (known without building them).</summary>
    public int GridCount => Values?.Count ?? Steps;

    /// <summary>The grid's values of this parameter.</summary>
    public IReadOnlyList<JsonNode?> GridValues()
    {
        if (Values is not null) return Values;
        var list = new List<JsonNode?>();
        for (var i = 0; i < Steps; i++) list.Add(FromUnit(Steps == 1 ? 0.0 : (double)i / (Steps - 1)));
        return list;
    }

    /// <summary>The value at u ∈ [0, 1) of the parameter's range (or of its list of values).</summary>
    public JsonNode? FromUnit(double u)
    {
        if (Values is not null) return Values[Math.Min(Values.Count - 1, (int)Math.Floor(u * Values.Count))]?.DeepClone();
        var x = Log ? Min * Math.Pow(Max / Min, u) : Min + u * (Max - Min);
        if (Integer) return JsonValue.Create((long)Math.Round(x, MidpointRounding.AwayFromZero));
        // Keep 10 significant digits so that the printed value is the value used.
        return JsonValue.Create(double.Parse(x.ToString("G10", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// A sweep file:
/// <code>
/// { "method": "grid" | "random" | "lhs", "samples": 32, "seed": 7, "metric": "total_pnl",
///   "parameters": [ { "path": "strategy.rules[0].half_width", "values": [25, 50, 100] },
///                   { "path": "strategy.cooldown_seconds", "min": 0, "max": 30, "steps": 4 } ] }
/// </code>
/// Grid: the cartesian product, the first parameter varying slowest. Random: <c>samples</c> independent uniform draws.
/// LHS: <c>samples</c> Latin-hypercube points (each parameter's range cut into <c>samples</c> strata, each stratum used
/// once). Random and LHS are seeded (xoshiro256**), so a sweep file always expands to the same runs.
/// </summary>
public sealed record SweepSpec(SweepMethod Method, int Samples, ulong Seed, string Metric, IReadOnlyList<SweepParameter> Parameters, string Text)
{
    public static readonly string[] Keys = ["method", "samples", "seed", "metric", "parameters", "name"];

    /// <summary>Room for a grid's value lists; read bounded as the config is (a device or a pipe is refused).</summary>
    public const int MaxSpecBytes = 16 << 20;

    public static SweepSpec FromFile(string path)
    {
        if (!File.Exists(path)) throw new BacktestConfigException($"no such sweep file: {path}");
        var (text, error) = BoundedFile.Read(path, MaxSpecBytes);
        if (text is null) throw new BacktestConfigException($"--sweep: {error}");
        try
        {
            return Parse(text);
        }
        catch (BacktestConfigException e)
        {
            throw new BacktestConfigException($"{path}: {e.Message}");
        }
    }

    public static SweepSpec Parse(string text)
    {
        JsonNode? root;
        try
        {
            // Checked first: a JsonObject with a repeated key throws ArgumentException when first read.
            using (var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }))
            {
                if (JsonText.FirstUnreadable(doc.RootElement) is { } unreadable)
                    throw new BacktestConfigException($"{unreadable}: {JsonText.Refusal}");
                if (JsonDuplicates.FirstIn(doc.RootElement) is { } repeated)
                    throw new BacktestConfigException($"{repeated}: is given twice (one value per key)");
            }
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new BacktestConfigException($"(json): not valid JSON: {e.Message}");
        }
        if (root is not JsonObject o) throw new BacktestConfigException("sweep: must be an object");
        foreach (var (k, _) in o)
            if (Array.IndexOf(Keys, k) < 0) throw new BacktestConfigException($"{k}: unknown key (expected one of {string.Join(", ", Keys)})");
        var method = (Str(o, "method") ?? "grid") switch
        {
            "grid" => SweepMethod.Grid,
            "random" => SweepMethod.Random,
            "lhs" or "latin_hypercube" => SweepMethod.LatinHypercube,
            var m => throw new BacktestConfigException($"method: expected grid, random or lhs, got '{m}'"),
        };
        var samples = (int)(Whole(o, "samples", 0, MaxRuns) ?? 0);
        if (method != SweepMethod.Grid && samples < 1) throw new BacktestConfigException("samples: must be >= 1 for random and lhs sweeps");
        var seed = SeedOf(o);
        var metric = Str(o, "metric") ?? "total_pnl";
        if (!SweepMetrics.IsKnown(metric)) throw new BacktestConfigException($"metric: unknown '{metric}' (expected one of {string.Join(", ", SweepMetrics.Names)})");
        if (o["parameters"] is not JsonArray ps || ps.Count == 0) throw new BacktestConfigException("parameters: at least one parameter is required");
        var parameters = ps.Select((p, i) => Parameter(p, $"parameters[{i}]", method)).ToList();
        var dup = parameters.GroupBy(p => p.Path).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new BacktestConfigException($"parameters: '{dup.Key}' is swept twice");
        if (method == SweepMethod.Grid) CheckGridSize(parameters);
        return new SweepSpec(method, samples, seed, metric, parameters, text);
    }

    private static SweepParameter Parameter(JsonNode? node, string at, SweepMethod method)
    {
        if (node is not JsonObject p) throw new BacktestConfigException($"{at}: must be an object");
        foreach (var (k, _) in p)
            if (k is not ("path" or "values" or "min" or "max" or "steps" or "integer" or "log"))
                throw new BacktestConfigException($"{at}.{k}: unknown key (expected path, values, min, max, steps, integer, log)");
        var path = Str(p, "path") ?? throw new BacktestConfigException($"{at}.path: is required");
        JsonPath.Parse(path);
        if (p["values"] is JsonArray values)
        {
            if (values.Count == 0) throw new BacktestConfigException($"{at}.values: must not be empty");
            return new SweepParameter(path, values.Select(v => v?.DeepClone()).ToList(), 0, 0, values.Count, false, false);
        }
        var min = Num(p, "min", at) ?? throw new BacktestConfigException($"{at}: needs either values or min and max");
        var max = Num(p, "max", at) ?? throw new BacktestConfigException($"{at}.max: is required with min");
        if (!(max >= min)) throw new BacktestConfigException($"{at}: max must be >= min");
        // Beyond this, max - min overflows to Infinity and every value drawn is Infinity (JSON cannot write it).
        if (!double.IsFinite(max - min)) throw new BacktestConfigException($"{at}: max - min must be a finite number");
        var log = Bool(p, "log", at);
        if (log && !(min > 0)) throw new BacktestConfigException($"{at}: log spacing needs min > 0");
        var steps = (int)(Whole(p, "steps", 0, MaxRuns, at) ?? 0);
        if (method == SweepMethod.Grid && steps < 1) throw new BacktestConfigException($"{at}.steps: a grid over a range needs steps >= 1");
        return new SweepParameter(path, null, min, max, steps, Bool(p, "integer", at), log);
    }

    private static string? Str(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new BacktestConfigException($"{key}: must be a string"),
    };

    /// <summary>Most runs (grid points or samples) one sweep may have.</summary>
    public const int MaxRuns = 1_000_000;

    /// <summary>Refuses a grid over <see cref="MaxRuns"/> points before any value is built.</summary>
    private static void CheckGridSize(IReadOnlyList<SweepParameter> parameters)
    {
        var total = 1L;
        foreach (var p in parameters)
        {
            total *= p.GridCount;
            if (total > MaxRuns)
                throw new BacktestConfigException($"parameters: the grid has more than {MaxRuns.ToString("N0", CultureInfo.InvariantCulture)} points ({string.Join(" x ", parameters.Select(q => q.GridCount))}); that is not supported");
        }
    }

    private static bool Bool(JsonObject o, string key, string at) => o[key] switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => throw new BacktestConfigException($"{at}.{key}: must be true or false"),
    };

    /// <summary>A whole number in [min, max]; a cast would truncate 2.7 to 2 or wrap -1.</summary>
    private static double? Whole(JsonObject o, string key, long min, long max, string? at = null)
    {
        var name = at is null ? key : $"{at}.{key}";
        var x = o[key] switch
        {
            null => (double?)null,
            JsonValue v when v.TryGetValue<double>(out var d) && double.IsFinite(d) => d,
            _ => throw new BacktestConfigException($"{name}: must be a number"),
        };
        if (x is { } n && (n != Math.Floor(n) || n < min || n > max))
            throw new BacktestConfigException($"{name}: must be a whole number in [{min}, {max.ToString("N0", CultureInfo.InvariantCulture)}], got {o[key]!.ToJsonString()}");
        return x;
    }

    /// <summary>The seed: a whole number in the range of a 64-bit unsigned integer (exact, not via double).</summary>
    private static ulong SeedOf(JsonObject o)
    {
        if (o["seed"] is null) return 1;
        if (o["seed"] is JsonValue v && v.TryGetValue<ulong>(out var u)) return u;
        // 7.0 or 1e3 are still whole numbers; anything else (negative, fractional, beyond 2^64) is refused.
        if (o["seed"] is JsonValue w && w.TryGetValue<double>(out var d) && d == Math.Floor(d) && d >= 0 && d <= 9_007_199_254_740_992) return (ulong)d;
        throw new BacktestConfigException($"seed: must be a whole number in [0, {ulong.MaxValue}], got {o["seed"]!.ToJsonString()}");
    }

    private static double? Num(JsonObject o, string key, string? at = null) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<double>(out var d) && double.IsFinite(d) => d,
        _ => throw new BacktestConfigException($"{(at is null ? key : $"{at}.{key}")}: must be a number"),
    };

    /// <summary>Every run of the sweep, in its canonical order: index → one value per parameter.</summary>
    public IReadOnlyList<JsonNode?[]> Expand()
    {
        // Parse refuses these; a spec built in code is held to the same cap.
        if (Method != SweepMethod.Grid && Samples > MaxRuns)
            throw new BacktestConfigException($"samples: {Samples} is more than {MaxRuns.ToString("N0", CultureInfo.InvariantCulture)}; that is not supported");
        var runs = new List<JsonNode?[]>();
        switch (Method)
        {
            case SweepMethod.Grid:
                CheckGridSize(Parameters); // before building any value
                var grids = Parameters.Select(p => p.GridValues()).ToArray();
                var total = grids.Aggregate(1L, (n, g) => n * g.Count);
                for (long i = 0; i < total; i++)
                {
                    var values = new JsonNode?[grids.Length];
                    var rest = i;
                    for (var d = grids.Length - 1; d >= 0; d--)
                    {
                        values[d] = grids[d][(int)(rest % grids[d].Count)]?.DeepClone();
                        rest /= grids[d].Count;
                    }
                    runs.Add(values);
                }
                break;
            case SweepMethod.Random:
            {
                var rng = new Xoshiro256(Seed);
                for (var i = 0; i < Samples; i++) runs.Add(Parameters.Select(p => p.FromUnit(rng.NextDouble())).ToArray());
                break;
            }
            case SweepMethod.LatinHypercube:
            {
                var rng = new Xoshiro256(Seed);
                var strata = Parameters.Select(_ => Permutation(Samples, rng)).ToArray();
                for (var i = 0; i < Samples; i++)
                    runs.Add(Parameters.Select((p, d) => p.FromUnit((strata[d][i] + rng.NextDouble()) / Samples)).ToArray());
                break;
            }
        }
        return runs;
    }

    private static int[] Permutation(int n, Xoshiro256 rng)
    {
        var a = Enumerable.Range(0, n).ToArray();
        for (var i = n - 1; i > 0; i--)
        {
            var j = (int)(rng.NextUInt64() % (ulong)(i + 1));
            (a[i], a[j]) = (a[j], a[i]);
        }
        return a;
    }

    /// <summary>The config document of one run: the base with this run's values set at their paths.</summary>
    public static string Apply(JsonNode baseConfig, IReadOnlyList<SweepParameter> parameters, JsonNode?[] values)
    {
        var doc = baseConfig.DeepClone();
        for (var i = 0; i < parameters.Count; i++) JsonPath.Set(doc, parameters[i].Path, values[i]?.DeepClone());
        return doc.ToJsonString();
    }

    public static JsonNode ParseConfig(string text) =>
        JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })
        ?? throw new BacktestConfigException("config: empty document");

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>Which run of a sweep a shard owns: run k belongs to shard k mod n (round-robin, so shards get similar work).</summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard All => new(0, 1);

    public bool Owns(int run) => run % Count == Index;

    /// <summary>Parses "i/n" (0 ≤ i &lt; n).</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out var i) && int.TryParse(parts[1], out var n) && n >= 1 && i >= 0 && i < n) return new Shard(i, n);
        throw new BacktestConfigException($"--shard: expected i/n with 0 <= i < n, got '{text}'");
    }

    public override string ToString() => $"{Index}/{Count}";
}
