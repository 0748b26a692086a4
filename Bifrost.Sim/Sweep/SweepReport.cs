using System.Globalization;

namespace Bifrost.Sim.Sweep;

/// <summary>The files a whole sweep (or a merge of its shards) leaves in its output directory: results.json (runs by
/// index), results.csv (sorted by the metric), heatmap.svg (the metric over the first two parameters) and
/// best-equity.svg (the best run's equity curve).</summary>
public static class SweepReport
{
    /// <summary>With <paramref name="curveOf"/> (a streaming merge) results.json is already written and the runs carry
    /// no curves: the best run's curve is asked for.</summary>
    public static IReadOnlyList<string> Write(SweepResultFile results, string directory, string metric,
        Func<SweepRun, IReadOnlyList<(long T, double Pnl)>>? curveOf = null)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        void Save(string name, string text)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, text);
            files.Add(path);
        }
        if (curveOf is null) Save("results.json", results.ToJson());
        else files.Add(Path.Combine(directory, "results.json"));
        Save("results.csv", results.ToCsv(metric));
        Save("heatmap.svg", SvgPlots.Heatmap(results, "total_pnl", 0, results.Paths.Count > 1 ? 1 : -1));
        if (metric != "total_pnl") Save($"heatmap-{metric}.svg", SvgPlots.Heatmap(results, metric, 0, results.Paths.Count > 1 ? 1 : -1));
        // Only a run that has the metric is best by it: with none (all failed, or no Sharpe anywhere) there is no best.
        var best = results.Sorted(metric).FirstOrDefault(r => SweepResultFile.Ranks(r, metric));
        if (best is not null)
        {
            var label = string.Join(", ", results.Paths.Select((p, i) => $"{p.Split('.')[^1]}={SweepResultFile.ValueText(best.Values[i])}"));
            Save("best-equity.svg", SvgPlots.EquityCurve(curveOf?.Invoke(best) ?? best.Curve,
                $"best run #{best.Index} by {metric} ({label}): total P&L {best.Metric("total_pnl").ToString("N2", CultureInfo.InvariantCulture)}"));
        }
        return files;
    }

    public static string ShardFileName(Shard s) => $"shard-{s.Index}-of-{s.Count}.json";
}
