using System.Text.Json;
using Bifrost.Domain.PortfolioRuns;
using Bifrost.Domain.Trading;
using Microsoft.FSharp.Collections;
using Bifrost.Store.Records;

namespace Bifrost.Daemon.PortfolioRuns;

/// <summary>
/// <c>portfolio_run</c> control arguments → the engine's <see cref="PortfolioRunRequest"/>:
/// <c>{"file": "/path/signals.csv"}</c> (read here, by the daemon) or <c>{"signals": "symbol,action,...", "name": "x.csv"}</c>
/// (inline text; the name's extension says CSV or JSON), or <c>{"targets": [{"symbol": "AAPL", "quantity": 50}]}</c>
/// (operator targets), optionally <c>"snapshot_id"</c> naming the new snapshot; or <c>{"snapshot_id": "..."}</c> alone:
/// re-run that stored snapshot (the engine refuses an unknown id). The run is
/// <c>{run_id}-pf{control id}</c>; the snapshot defaults to <c>snap{control id}</c>. Bad arguments refuse the command.
/// </summary>
public static class PortfolioRunArgs
{
    /// <summary>A signals file larger than this is refused (a signal is one short line).</summary>
    public const int MaxSignalsBytes = 1 << 20;

    public static EventPayload Parse(JsonElement root, ControlCommand c, string engineRunId, ControlMeta meta)
    {
        foreach (var p in root.EnumerateObject())
            if (p.Name is not ("file" or "signals" or "name" or "snapshot_id" or "targets"))
                throw new FormatException($"{p.Name}: unknown key (expected file, signals, name, snapshot_id, targets)");
        var file = Text(root, "file");
        var inline = Text(root, "signals");
        var hasTargets = root.TryGetProperty("targets", out var targetsJson);
        var runId = $"{engineRunId}-pf{c.Id}";
        var given = (file is null ? 0 : 1) + (inline is null ? 0 : 1) + (hasTargets ? 1 : 0);
        if (given > 1) throw new FormatException("exactly one of file, signals or targets (or snapshot_id alone to re-run a stored snapshot)");
        var named = Text(root, "snapshot_id");
        if (named is not null && SnapshotModule.validateId(named) is { IsError: true } bad)
            throw new FormatException($"snapshot_id: {bad.ErrorValue.Message}");
        if (given == 0)
        {
            if (named is null) throw new FormatException("one of file, signals, targets or snapshot_id is required");
            if (root.TryGetProperty("name", out _)) throw new FormatException("name: only with signals");
            return EventPayload.NewPortfolioRerunRequested(new PortfolioRerunRequest(runId, named, meta));
        }
        var snapshotId = named ?? $"snap{c.Id}";
        if (hasTargets)
        {
            if (root.TryGetProperty("name", out _)) throw new FormatException("name: only with signals");
            return EventPayload.NewPortfolioTargetsRequested(new PortfolioTargetsRequest(runId, snapshotId, Targets(targetsJson), meta));
        }
        string name, text;
        if (file is not null)
        {
            if (!Path.IsPathFullyQualified(file)) throw new FormatException($"file: must be an absolute path, got '{file}'");
            try
            {
                var info = new FileInfo(file);
                if (!info.Exists) throw new FormatException($"file: '{file}' does not exist");
                if (info.Length > MaxSignalsBytes) throw new FormatException($"file: '{file}' is {info.Length} bytes, more than {MaxSignalsBytes}");
                // As for a slot's newest file: one modified just now may still be being written, and its first rows parse
                // as a whole, smaller portfolio (the symbols not yet written held, not traded to their signals).
                var age = DateTime.UtcNow - info.LastWriteTimeUtc;
                if (age < SignalsDirectory.Settle)
                    throw new FormatException($"file: '{file}' is still being written (modified {age.TotalSeconds:F1} s ago, under " +
                        $"{SignalsDirectory.Settle.TotalSeconds:F0} s): not used; send it again once written (a producer writes a hidden temp file and renames it)");
                var (read, error) = SignalsFile.Read(file);
                text = read ?? throw new FormatException($"file: {error}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new FormatException($"file: cannot read '{file}': {e.Message}");
            }
            name = Path.GetFileName(file);
        }
        else
        {
            text = inline!;
            if (text.Length > MaxSignalsBytes) throw new FormatException($"signals: more than {MaxSignalsBytes} characters");
            name = Text(root, "name") ?? "signals.csv";
        }
        return EventPayload.NewPortfolioRunRequested(new PortfolioRunRequest(runId, snapshotId, name, text, meta));
    }

    /// <summary>At most this many targets in one control (the universe is small; a larger list is a mistake).</summary>
    public const int MaxTargets = 1000;

    /// <summary><c>[{"symbol": "AAPL", "quantity": 50}, ...]</c>: each field named on error. Universe, lots and shorts are
    /// the engine's checks (OperatorTargets.validate), against the configuration it runs.</summary>
    public static FSharpList<OperatorTarget> Targets(JsonElement targets)
    {
        if (targets.ValueKind != JsonValueKind.Array) throw new FormatException("targets: must be an array of {symbol, quantity}");
        var n = targets.GetArrayLength();
        if (n == 0) throw new FormatException("targets: at least one target is required");
        if (n > MaxTargets) throw new FormatException($"targets: {n} targets, more than {MaxTargets}");
        var list = new List<OperatorTarget>();
        var i = 0;
        foreach (var t in targets.EnumerateArray())
        {
            var at = $"targets[{i}]";
            if (t.ValueKind != JsonValueKind.Object) throw new FormatException($"{at}: must be an object {{symbol, quantity}}");
            foreach (var p in t.EnumerateObject())
                if (p.Name is not ("symbol" or "quantity")) throw new FormatException($"{at}.{p.Name}: unknown key (expected symbol, quantity)");
            if (!t.TryGetProperty("symbol", out var sym) || sym.ValueKind != JsonValueKind.String || sym.GetString() is not { Length: > 0 } symbol)
                throw new FormatException($"{at}.symbol: required, a non-empty string");
            if (!t.TryGetProperty("quantity", out var q) || q.ValueKind != JsonValueKind.Number || !q.TryGetInt32(out var quantity))
                throw new FormatException($"{at}.quantity: required, a whole number of shares");
            list.Add(new OperatorTarget(symbol.ToUpperInvariant(), quantity));
            i++;
        }
        return ListModule.OfSeq(list);
    }

    private static string? Text(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw new FormatException($"{key}: must be a string") : null;
}
