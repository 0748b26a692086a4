using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Sim.Backtest;

namespace Bifrost.Sim.Sweep;

/// <summary>The statistics a sweep reports per run, and which way is better.</summary>
public static class SweepMetrics
{
    private static readonly (string Name, bool HigherIsBetter, Func<BacktestResult, double> Get)[] All =
    [
        ("total_pnl", true, r => r.TotalPnl),
        ("sharpe", true, r => r.Sharpe ?? double.NaN),
        ("max_drawdown", false, r => r.MaxDrawdown),
        ("realized_pnl", true, r => r.RealizedPnl),
        ("fees", false, r => r.Fees),
        ("gamma_pnl", true, r => r.Attribution.Gamma),
        ("theta_pnl", true, r => r.Attribution.Theta),
        ("vega_pnl", true, r => r.Attribution.Vega),
        ("delta_pnl", true, r => r.Attribution.Delta),
        ("spread_pnl", true, r => r.Attribution.Spread),
        ("residual_pnl", true, r => r.Attribution.Residual),
        ("hedges", false, r => r.Hedges),
        ("max_abs_net_delta", false, r => r.MaxAbsNetDelta),
        ("max_position", false, r => r.MaxPosition),
        ("max_notional", false, r => r.MaxNotional),
        ("fills", false, r => r.Fills),
        ("turnover", false, r => r.Turnover),
        ("slippage_bps", false, r => r.Slippage.AverageBps),
        ("guard_blocks", false, r => r.GuardBlockEvents),
    ];

    public static IEnumerable<string> Names => All.Select(m => m.Name);
    public static bool IsKnown(string name) => All.Any(m => m.Name == name);
    public static bool HigherIsBetter(string name) => All.First(m => m.Name == name).HigherIsBetter;

    public static SortedDictionary<string, double> Of(BacktestResult r)
    {
        var d = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, _, get) in All) d[name] = get(r);
        return d;
    }
}

/// <summary>One run of a sweep: its parameter values and its statistics (or why it could not run).</summary>
public sealed record SweepRun(int Index, JsonNode?[] Values, string? Error, IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, long> GuardBlocks, string OrderListHash, IReadOnlyList<(long T, double Pnl)> Curve)
{
    public double Metric(string name) => Metrics.TryGetValue(name, out var v) ? v : double.NaN;

    public static SweepRun Failed(int index, JsonNode?[] values, string error) =>
        new(index, values, error, new Dictionary<string, double>(), new Dictionary<string, long>(), "", []);

    public static SweepRun Of(int index, JsonNode?[] values, BacktestResult r, int maxCurvePoints = 500)
    {
        var c = r.Curve;
        var stride = Math.Max(1, (c.Count + maxCurvePoints - 1) / maxCurvePoints);
        var curve = new List<(long, double)>();
        for (var i = 0; i < c.Count; i += stride) curve.Add((c[i].TimeNanos, c[i].TotalPnl));
        if (c.Count > 0 && (c.Count - 1) % stride != 0) curve.Add((c[^1].TimeNanos, c[^1].TotalPnl));
        return new SweepRun(index, values, null, SweepMetrics.Of(r), r.GuardBlocks, r.OrderListHash, curve);
    }
}

/// <summary>
/// A sweep's (or one shard's) result file, <c>format: bifrost-sweep/1</c>: what was swept (hashes of the sweep file,
/// the base config and the data), which shard, and the runs in index order. Byte-identical for identical inputs
/// whatever <c>--parallel</c> is. <c>merge</c> combines shard files into one with <c>shard</c> null.
/// </summary>
public sealed record SweepResultFile(string SweepSha256, string ConfigSha256, string Data, string DataSha256, long DataBytes, string EngineVersion,
    int RunsTotal, Shard? Shard, IReadOnlyList<string> Paths, string Metric, IReadOnlyList<SweepRun> Runs)
{
    public const string Format = "bifrost-sweep/2";

    public string ToJson()
    {
        var text = new StringWriter { NewLine = "\n" };
        WriteJson(text, Runs.OrderBy(r => r.Index));
        return text.ToString();
    }

    /// <summary>The file's text, runs given in index order and written one by one (a merge streams them through).
    /// Layout: the header object up to <c>"runs":[</c> on the first line, then one run per line.</summary>
    public void WriteJson(TextWriter output, IEnumerable<SweepRun> runsInIndexOrder)
    {
        output.Write(HeaderPrefix());
        var first = true;
        foreach (var r in runsInIndexOrder)
        {
            output.Write(first ? "\n" : ",\n");
            output.Write(RunJson(r));
            first = false;
        }
        output.Write("]}\n");
    }

    private string HeaderPrefix()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteString("sweep_sha256", SweepSha256);
            w.WriteString("config_sha256", ConfigSha256);
            w.WriteString("data", Data);
            w.WriteString("data_sha256", DataSha256);
            w.WriteNumber("data_bytes", DataBytes);
            w.WriteString("engine_version", EngineVersion);
            w.WriteNumber("runs_total", RunsTotal);
            if (Shard is { } s) w.WriteString("shard", s.ToString());
            else w.WriteNull("shard");
            w.WriteString("metric", Metric);
            w.WriteStartArray("parameters");
            foreach (var p in Paths) w.WriteStringValue(p);
            w.WriteEndArray();
            w.WriteStartArray("runs");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        // One run per line keeps shard files diff- and grep-friendly (and lets a merge stream them).
        var text = Encoding.UTF8.GetString(stream.ToArray());
        return text[..^2]; // without the closing "]}"
    }

    /// <summary>One run as a JSON object (the format's "runs" element; also a checkpoint line).</summary>
    public static void WriteRun(Utf8JsonWriter w, SweepRun r)
    {
        w.WriteStartObject();
        w.WriteNumber("index", r.Index);
        w.WriteStartArray("values");
        foreach (var v in r.Values)
        {
            if (v is null) w.WriteNullValue();
            else v.WriteTo(w);
        }
        w.WriteEndArray();
        if (r.Error is not null) w.WriteString("error", r.Error);
        w.WriteStartObject("metrics");
        foreach (var (k, v) in r.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (double.IsFinite(v)) w.WriteNumber(k, v);
            else w.WriteNull(k);
        }
        w.WriteEndObject();
        w.WriteStartObject("guard_blocks");
        foreach (var (k, v) in r.GuardBlocks.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteString("order_list_sha256", r.OrderListHash);
        w.WriteStartArray("curve");
        foreach (var (t, pnl) in r.Curve)
        {
            w.WriteStartArray();
            w.WriteNumberValue(t);
            w.WriteNumberValue(pnl);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static string RunJson(SweepRun r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) WriteRun(w, r);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static SweepRun ParseRun(JsonObject r)
    {
        var metrics = ((JsonObject)r["metrics"]!).ToDictionary(kv => kv.Key, kv => kv.Value is null ? double.NaN : (double)kv.Value);
        var blocks = ((JsonObject)r["guard_blocks"]!).ToDictionary(kv => kv.Key, kv => (long)kv.Value!);
        var curve = ((JsonArray)r["curve"]!).Select(p => ((long)p![0]!, (double)p[1]!)).ToList();
        // Values re-parsed from their own text: a clone of a parsed value still holds the whole run's document (its curve).
        return new SweepRun((int)r["index"]!, ((JsonArray)r["values"]!).Select(v => v is null ? null : JsonNode.Parse(v.ToJsonString())).ToArray(), (string?)r["error"],
            new SortedDictionary<string, double>(metrics, StringComparer.Ordinal), new SortedDictionary<string, long>(blocks, StringComparer.Ordinal),
            (string)r["order_list_sha256"]!, curve);
    }

    /// <summary>The header of a result file (its runs left out), reading only its first line.</summary>
    public static SweepResultFile ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new BacktestConfigException($"no such sweep result file: {path}");
        using var reader = new StreamReader(path, Encoding.UTF8);
        var line = reader.ReadLine() ?? "";
        var text = line.EndsWith("\"runs\":[", StringComparison.Ordinal) ? line + "]}" : line;
        return Parse(path, text);
    }

    /// <summary>A result file's runs, one line at a time (never the whole file in memory), checked to be in index order.</summary>
    public static IEnumerable<SweepRun> ReadRuns(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var header = reader.ReadLine();
        if (header is null || !header.EndsWith("\"runs\":[", StringComparison.Ordinal)) yield break; // no runs, or the runs are on the header line
        var last = -1;
        var lineNo = 1;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNo++;
            var body = line.EndsWith("]}", StringComparison.Ordinal) ? line[..^2] : line.EndsWith(',') ? line[..^1] : line;
            SweepRun run;
            try
            {
                run = ParseRun(JsonNode.Parse(body) as JsonObject ?? throw new BacktestConfigException("a run must be a JSON object"));
            }
            catch (ArgumentException) when (RepeatedKey(body) is { } repeated)
            {
                // Looked for only on failure: a JsonObject throws on a repeated key, and a second parse per line would slow merges.
                throw new BacktestConfigException($"{path}: line {lineNo}: {repeated}: is given twice (one value per key)");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or InvalidCastException or NullReferenceException or FormatException or KeyNotFoundException)
            {
                throw new BacktestConfigException($"{path}: line {lineNo}: not a sweep run: {e.Message}");
            }
            if (run.Index <= last) throw new BacktestConfigException($"{path}: line {lineNo}: run {run.Index} after run {last} (runs must be in index order)");
            last = run.Index;
            yield return run;
            if (line.EndsWith("]}", StringComparison.Ordinal)) yield break;
        }
    }

    /// <summary>The path of the first key repeated in a JSON text, or null.</summary>
    internal static string? RepeatedKey(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return Bifrost.Domain.JsonDuplicates.FirstIn(doc.RootElement);
    }

    public static SweepResultFile Read(string path)
    {
        if (!File.Exists(path)) throw new BacktestConfigException($"no such sweep result file: {path}");
        return Parse(path, File.ReadAllText(path));
    }

    private static SweepResultFile Parse(string path, string text)
    {
        try
        {
            if (RepeatedKey(text) is { } repeated) throw new BacktestConfigException($"{repeated}: is given twice (one value per key)");
            var o = JsonNode.Parse(text) as JsonObject ?? throw new BacktestConfigException("not a JSON object");
            if ((string?)o["format"] != Format)
                throw new BacktestConfigException($"format must be {Format}, got '{(string?)o["format"]}' (written by another bifrost-sim: re-run the shard with this one)");
            var shard = o["shard"] is null ? (Shard?)null : Sweep.Shard.Parse((string)o["shard"]!);
            var runs = ((JsonArray)o["runs"]!).Select(n => ParseRun((JsonObject)n!)).ToList();
            return new SweepResultFile((string)o["sweep_sha256"]!, (string)o["config_sha256"]!, (string)o["data"]!, (string)o["data_sha256"]!,
                (long)o["data_bytes"]!, (string)o["engine_version"]!, (int)o["runs_total"]!, shard,
                ((JsonArray)o["parameters"]!).Select(p => (string)p!).ToList(), (string)o["metric"]!, runs);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or InvalidCastException or NullReferenceException or FormatException or KeyNotFoundException)
        {
            throw new BacktestConfigException($"{path}: not a sweep result file: {e.Message}");
        }
        catch (BacktestConfigException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new BacktestConfigException($"{path}: {e.Message}");
        }
    }

    /// <summary>Combines shard files of one sweep. Refuses files of different sweeps, configs or data, and conflicting
    /// results for one run; reports runs no file has.</summary>
    public static (SweepResultFile Merged, IReadOnlyList<int> Missing) Merge(IReadOnlyList<(string Path, SweepResultFile File)> parts)
    {
        CheckSameSweep(parts);
        var first = parts[0].File;
        var byIndex = new SortedDictionary<int, SweepRun>();
        foreach (var (path, f) in parts)
        {
            foreach (var r in f.Runs)
            {
                CheckRun(path, f, r);
                if (byIndex.TryGetValue(r.Index, out var seen)) CheckSameRun(seen, r);
                byIndex[r.Index] = r;
            }
        }
        var missing = Enumerable.Range(0, first.RunsTotal).Where(i => !byIndex.ContainsKey(i)).ToList();
        return (first with { Shard = null, Runs = byIndex.Values.ToList() }, missing);
    }

    /// <summary>A run a file may hold: its index within the sweep, in the file's shard, with a value per parameter.</summary>
    public static void CheckRun(string path, SweepResultFile file, SweepRun run)
    {
        if (run.Index < 0 || run.Index >= file.RunsTotal)
            throw new BacktestConfigException($"merge: {path}: run {run.Index} is outside the sweep's runs 0..{file.RunsTotal - 1}");
        if (file.Shard is { } s && !s.Owns(run.Index))
            throw new BacktestConfigException($"merge: {path}: run {run.Index} does not belong to its shard {s} (index mod {s.Count} must be {s.Index})");
        if (run.Values.Length != file.Paths.Count)
            throw new BacktestConfigException($"merge: {path}: run {run.Index} has {run.Values.Length} parameter value(s) for {file.Paths.Count} parameter(s)");
    }

    /// <summary>The same run in two files (a shard re-run) is fine only when the copies agree in everything: a copy that
    /// differs in a metric, a value or its curve is a different computation, and keeping either would be a guess.</summary>
    public static void CheckSameRun(SweepRun seen, SweepRun run)
    {
        if (seen.OrderListHash != run.OrderListHash)
            throw new BacktestConfigException($"merge: run {run.Index} has different results in two files (order hashes {seen.OrderListHash} vs {run.OrderListHash})");
        if (RunJson(seen) != RunJson(run))
            throw new BacktestConfigException($"merge: run {run.Index} differs between two files with the same orders (its values, statistics or curve): refusing to pick one");
    }

    /// <summary>Refuses files (headers) of different sweeps, configs, data or binaries, naming the field and both files.</summary>
    public static void CheckSameSweep(IReadOnlyList<(string Path, SweepResultFile File)> parts)
    {
        if (parts.Count == 0) throw new BacktestConfigException("merge: no shard files given");
        var first = parts[0].File;
        foreach (var (path, f) in parts)
        {
            Same("data_sha256 (the data file's content)", f.DataSha256, first.DataSha256);
            Same("data_bytes (the data file's size)", f.DataBytes.ToString(CultureInfo.InvariantCulture), first.DataBytes.ToString(CultureInfo.InvariantCulture));
            Same("sweep_sha256 (the sweep spec)", f.SweepSha256, first.SweepSha256);
            Same("config_sha256 (the base config)", f.ConfigSha256, first.ConfigSha256);
            Same("engine_version (the bifrost-sim binary)", f.EngineVersion, first.EngineVersion);
            Same("runs_total", f.RunsTotal.ToString(CultureInfo.InvariantCulture), first.RunsTotal.ToString(CultureInfo.InvariantCulture));
            Same("data (the data file's name)", f.Data, first.Data);
            Same("parameters (the swept paths)", string.Join(", ", f.Paths), string.Join(", ", first.Paths));
            Same("metric", f.Metric, first.Metric);
            void Same(string what, string mine, string theirs)
            {
                if (mine != theirs)
                    throw new BacktestConfigException($"merge: {path} belongs to another sweep: its {what} is {mine}, {parts[0].Path} has {theirs}");
            }
        }
    }

    /// <summary>Runs sorted by a metric, best first (ties and NaN last, then by index): deterministic.</summary>
    public IReadOnlyList<SweepRun> Sorted(string metric)
    {
        var higher = SweepMetrics.HigherIsBetter(metric);
        return Runs.OrderBy(r => Ranks(r, metric) ? 0 : 1)
            .ThenBy(r => double.IsFinite(r.Metric(metric)) ? (higher ? -r.Metric(metric) : r.Metric(metric)) : 0)
            .ThenBy(r => r.Index)
            .ToList();
    }

    /// <summary>Runs that can be ranked by the metric: ran without error and have it (a failed run or a NaN is never "best").</summary>
    public static bool Ranks(SweepRun r, string metric) => r.Error is null && double.IsFinite(r.Metric(metric));

    /// <summary>"2 of 10 run(s) failed (runs 3, 7); first (run 3): …", or null when every run ran: a merge of shards
    /// must say so as loudly as an unsharded sweep, not report "N of N run(s)".</summary>
    public string? Failures()
    {
        var failed = Runs.Where(r => r.Error is not null).OrderBy(r => r.Index).ToList();
        if (failed.Count == 0) return null;
        var list = string.Join(", ", failed.Take(20).Select(r => r.Index.ToString(CultureInfo.InvariantCulture))) + (failed.Count > 20 ? ", …" : "");
        return $"{failed.Count} of {RunsTotal} run(s) failed (runs {list}); first (run {failed[0].Index}): {failed[0].Error}";
    }

    public static string ValueText(JsonNode? v) => v switch
    {
        null => "null",
        JsonValue j when j.TryGetValue<string>(out var text) => text,
        JsonValue j when j.TryGetValue<double>(out var d) => d.ToString("G10", CultureInfo.InvariantCulture),
        _ => v.ToJsonString(),
    };

    /// <summary>All runs as CSV, sorted by the metric: index, one column per parameter, every metric, the order hash.</summary>
    public string ToCsv(string metric)
    {
        var names = SweepMetrics.Names.ToList();
        var sb = new StringBuilder();
        sb.Append("rank,index,").Append(string.Join(",", Paths.Select(Csv))).Append(',').Append(string.Join(",", names)).Append(",guard_blocks_by_reason,order_list_sha256,error\n");
        var rank = 0;
        foreach (var r in Sorted(metric))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{++rank},{r.Index},");
            sb.Append(string.Join(",", r.Values.Select(v => Csv(ValueText(v))))).Append(',');
            sb.Append(string.Join(",", names.Select(n => double.IsFinite(r.Metric(n)) ? r.Metric(n).ToString("R", CultureInfo.InvariantCulture) : "")));
            sb.Append(',').Append(Csv(string.Join(" ", r.GuardBlocks.Select(kv => $"{kv.Key}={kv.Value}"))));
            sb.Append(',').Append(r.OrderListHash).Append(',').Append(Csv(r.Error ?? "")).Append('\n');
        }
        return sb.ToString();
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') || s.Contains('\n') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    /// <summary>The top rows as an aligned text table for the console.</summary>
    public string ToTable(string metric, int top = 15)
    {
        var ci = CultureInfo.InvariantCulture;
        string[] cols = ["total_pnl", "sharpe", "max_drawdown", "hedges", "fees", "guard_blocks"];
        var header = new List<string> { "#", "run" };
        header.AddRange(Paths.Select(p => p.Split('.')[^1]));
        header.AddRange(cols);
        var rows = new List<List<string>> { header };
        var rank = 0;
        foreach (var r in Sorted(metric).Take(top))
        {
            var row = new List<string> { (++rank).ToString(ci), r.Index.ToString(ci) };
            row.AddRange(r.Values.Select(ValueText));
            if (r.Error is not null) row.Add("error: " + r.Error);
            else row.AddRange(cols.Select(c => double.IsFinite(r.Metric(c)) ? r.Metric(c).ToString(c is "hedges" or "guard_blocks" ? "F0" : "F2", ci) : "n/a"));
            rows.Add(row);
        }
        var widths = Enumerable.Range(0, header.Count).Select(i => rows.Max(r => i < r.Count ? r[i].Length : 0)).ToArray();
        var sb = new StringBuilder();
        foreach (var row in rows)
            sb.AppendLine(string.Join("  ", row.Select((cell, i) => i < widths.Length ? cell.PadLeft(widths[i]) : cell)).TrimEnd());
        return sb.ToString();
    }
}
