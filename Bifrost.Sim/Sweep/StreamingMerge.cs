using System.Text;
using Bifrost.Sim.Backtest;

namespace Bifrost.Sim.Sweep;

/// <summary>Merges shard files without holding them in memory: headers are checked first (same sweep, config, data and
/// binary), then the runs of every file (each in index order) are merged one at a time straight into results.json.
/// Only a summary per run (its values and statistics, not its equity curve) stays in memory for the CSV, the heatmap
/// and picking the best run, whose curve is read back from results.json. A 10,000-run sweep's shard files are
/// ~200 MB of curves; parsing them whole took several times that.</summary>
public static class StreamingMerge
{
    public sealed record Outcome(SweepResultFile Summary, IReadOnlyList<int> Missing);

    /// <summary>Writes the merged results.json to <paramref name="resultsPath"/> (atomically, after the last run) unless
    /// runs are missing and <paramref name="allowMissing"/> is false; returns the runs' summaries (curves left out).</summary>
    public static Outcome Merge(IReadOnlyList<string> paths, string resultsPath, bool allowMissing)
    {
        var headers = paths.Select(p => (p, SweepResultFile.ReadHeader(p))).ToList();
        SweepResultFile.CheckSameSweep(headers);
        var merged = headers[0].Item2 with { Shard = null, Runs = [] };
        var summaries = new List<SweepRun>();
        var temporary = resultsPath + ".partial";
        var complete = false;
        try
        {
            using (var output = new StreamWriter(temporary, false, new UTF8Encoding(false)) { NewLine = "\n" })
                merged.WriteJson(output, MergedRuns(headers, summaries));
            var missing = Missing(merged.RunsTotal, summaries);
            if (missing.Count > 0 && !allowMissing) return new Outcome(merged with { Runs = summaries }, missing);
            File.Move(temporary, resultsPath, overwrite: true);
            complete = true;
            return new Outcome(merged with { Runs = summaries }, missing);
        }
        finally
        {
            if (!complete) File.Delete(temporary);
        }
    }

    /// <summary>The curve of one run, read back from a result file by streaming to it.</summary>
    public static IReadOnlyList<(long T, double Pnl)> CurveOf(string resultsPath, int index) =>
        SweepResultFile.ReadRuns(resultsPath).FirstOrDefault(r => r.Index == index)?.Curve ?? [];

    private static IEnumerable<SweepRun> MergedRuns(IReadOnlyList<(string Path, SweepResultFile Header)> files, List<SweepRun> summaries)
    {
        var readers = files.Select(f => SweepResultFile.ReadRuns(f.Path).GetEnumerator()).ToList();
        try
        {
            var heads = new PriorityQueue<int, (int Index, int File)>();
            for (var f = 0; f < readers.Count; f++)
                if (readers[f].MoveNext()) heads.Enqueue(f, (readers[f].Current.Index, f));
            SweepRun? last = null;
            while (heads.TryDequeue(out var f, out _))
            {
                var run = readers[f].Current;
                SweepResultFile.CheckRun(files[f].Path, files[f].Header, run);
                if (readers[f].MoveNext()) heads.Enqueue(f, (readers[f].Current.Index, f));
                if (last is not null && last.Index == run.Index)
                {
                    // The same run in two files (a shard re-run): fine when the copies agree.
                    SweepResultFile.CheckSameRun(last, run);
                    continue;
                }
                last = run;
                summaries.Add(run with { Curve = [] });
                yield return run;
            }
        }
        finally
        {
            foreach (var r in readers) r.Dispose();
        }
    }

    private static List<int> Missing(int total, List<SweepRun> runs)
    {
        var seen = new bool[total];
        foreach (var r in runs)
            if (r.Index >= 0 && r.Index < total) seen[r.Index] = true;
        return Enumerable.Range(0, total).Where(i => !seen[i]).ToList();
    }
}
