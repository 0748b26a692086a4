using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Sim.Backtest;

namespace Bifrost.Sim.Sweep;

/// <summary>
/// Checkpoint of a shard in progress, so a pre-empted task loses at most the runs it was computing: a JSON-lines file
/// whose first line names the sweep (spec, config, data content, binary, shard) and each further line is one finished
/// run, appended and flushed as it completes. A re-run with the same inputs skips the runs already there; a line cut
/// short by a kill is ignored (that run is computed again); a checkpoint of another sweep is refused.
/// </summary>
public sealed class SweepCheckpoint : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();

    public IReadOnlyDictionary<int, SweepRun> Done { get; }

    private SweepCheckpoint(StreamWriter writer, IReadOnlyDictionary<int, SweepRun> done)
    {
        _writer = writer;
        Done = done;
    }

    public static string Header(string sweepSha, string configSha, string dataSha, long dataBytes, string engine, int runsTotal, Shard shard) =>
        new JsonObject
        {
            ["checkpoint"] = SweepResultFile.Format, ["sweep_sha256"] = sweepSha, ["config_sha256"] = configSha, ["data_sha256"] = dataSha,
            ["data_bytes"] = dataBytes, ["engine_version"] = engine, ["runs_total"] = runsTotal, ["shard"] = shard.ToString(),
        }.ToJsonString();

    /// <summary>Opens (or starts) the checkpoint at <paramref name="path"/> for the sweep named by <paramref name="header"/>.</summary>
    public static SweepCheckpoint Open(string path, string header)
    {
        var done = new SortedDictionary<int, SweepRun>();
        var valid = new List<string>();
        if (File.Exists(path))
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length > 0 && lines[0] != header)
                throw new BacktestConfigException($"{path}: a checkpoint of another sweep (spec, config, data, binary or shard differ); delete it to start over");
            foreach (var line in lines.Skip(1))
            {
                try
                {
                    var run = SweepResultFile.ParseRun((JsonObject)JsonNode.Parse(line)!);
                    done[run.Index] = run;
                    valid.Add(line);
                }
                catch (Exception e) when (e is JsonException or InvalidCastException or InvalidOperationException or NullReferenceException or ArgumentException)
                {
                    // A line cut short when the task was killed (or otherwise unreadable, e.g. a repeated key): that run is computed again.
                }
            }
        }
        // Rewrite without a torn tail, then append.
        var tmp = path + ".tmp";
        File.WriteAllLines(tmp, valid.Prepend(header));
        File.Move(tmp, path, overwrite: true);
        var writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read));
        return new SweepCheckpoint(writer, done);
    }

    public void Append(SweepRun run)
    {
        var line = SweepResultFile.RunJson(run);
        lock (_lock)
        {
            _writer.Write(line);
            _writer.Write('\n');
            _writer.Flush();
            ((FileStream)_writer.BaseStream).Flush(flushToDisk: true);
        }
    }

    public void Dispose() => _writer.Dispose();
}
