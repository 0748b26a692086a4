using System.Text.Json;
using Bifrost.Domain;
using Bifrost.Store;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;

namespace Bifrost.Daemon.Engine;

/// <summary>
/// A store serves one engine: one run_id, on one account, in one mode. Its orders and fills are read back by run_id and
/// its engine memory (the adopted option book, the operator's pause or halt, the day's P&amp;L baseline) is the store's
/// one row. Pointed at another account (paper to live with the same file) the daemon restored the paper run's hedge as
/// the strategy's in the live account, which held none: the hedger saw a hedged book, the account was not, under GREEN.
/// Under a new run_id the old run's hedge was no longer the strategy's but the operator's (never traded back) while the
/// memory kept the adopted options: on the same day the old run's executions halted it (ANOTHER_ENGINE, a misleading
/// reason); on a later day nothing did, and the hedger put the hedge on again. Checked before anything connects, from
/// the store's top-level live runs (the configuration each start recorded).
/// </summary>
public static class StoreIdentity
{
    /// <summary>Why this configuration may not run on the store (null: it may, or the store is new).</summary>
    public static string? Problem(string storePath, Config cfg)
    {
        if (!File.Exists(storePath) || new FileInfo(storePath).Length == 0) return null;
        StoreReader reader;
        try
        {
            reader = StoreReader.Open(storePath);
        }
        catch (StoreUnavailableException)
        {
            return null; // not initialised yet: a first start
        }
        catch (StoreSchemaException e) when (e.FoundVersion > e.ExpectedVersion)
        {
            // Refused here, before anything touches it: the start's prune met it first and crashed (exit 134, restarted
            // by systemd into the same crash), and what a newer Bifrost added is not this build's to read or trade on.
            return $"store.path: {e.Message}";
        }
        catch (StoreSchemaException)
        {
            return null; // an older store: the writer migrates it (and the next start checks it)
        }
        using (reader)
        {
            var mode = cfg.Mode.IsLive ? "live" : "paper";
            foreach (var run in reader.ListRuns(new RunQuery { Kinds = [RunKind.Live], Limit = 100_000 }).Select(r => r.Run).Where(r => r.ParentRunId is null))
            {
                var (account, storedMode) = Recorded(run.ParametersJson);
                var other = run.RunId != cfg.RunId
                    || account is not null && !account.Equals(cfg.Account, StringComparison.OrdinalIgnoreCase)
                    || storedMode is not null && storedMode != mode;
                if (!other) continue;
                return $"store.path: '{storePath}' belongs to run_id '{run.RunId}' on account {account ?? "?"} ({storedMode ?? "?"}); this configuration " +
                    $"is run_id '{cfg.RunId}' on account {cfg.Account} ({mode}). A store serves one engine: its orders, fills and engine memory " +
                    "(the adopted option book, a pause or halt, the day's P&L baseline) are that run's, and read under another run_id or " +
                    "account they would misstate the book (the old run's hedge taken for the operator's own and hedged again). Put run_id and " +
                    "account back, or give this configuration its own store.path (a first start reconciles with the account and waits for the operator)";
            }
            return null;
        }
    }

    /// <summary>The account and mode a start recorded in its run row (null: a store written before they were).</summary>
    private static (string? Account, string? Mode) Recorded(string parametersJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(parametersJson);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, null);
            string? Text(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (Text("account"), Text("mode"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}
