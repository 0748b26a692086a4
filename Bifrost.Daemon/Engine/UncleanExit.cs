using System.Globalization;
using Bifrost.Daemon.Logging;
using Bifrost.Store;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Engine;

/// <summary>
/// Tells the operator when the last daemon did not exit through its own exit path (kill -9, a runtime abort, the
/// systemd watchdog, the OOM killer, a power loss; an exception caught at the top still runs it): systemd restarts it
/// in seconds, the restart reconciles, and nobody knew the book went unwatched meanwhile. engine_state
/// <c>daemon_lifecycle</c> is "running" from the start to the exit.
/// </summary>
public static class UncleanExit
{
    /// <summary>At start, before anything connects: alerts (UNCLEAN_EXIT, warning) when the last process ended without
    /// its exit, naming its last heartbeat; then marks this one running.</summary>
    public static void Check(string storePath, StoreWriter store, Action<AlertSeverity, string, string> raise, ILogger logger)
    {
        try
        {
            CheckAndMark(storePath, store, raise, logger);
        }
        catch (Exception e) when (e is StoreWriteException or StoreUnavailableException or Microsoft.Data.Sqlite.SqliteException)
        {
            // A busy or failing store at start is the restore's to refuse, with its reason; this check never stops a start.
            Log.StoreFailing(logger, "the unclean-exit check could not read or mark the store: " + e.Message);
        }
    }

    private static void CheckAndMark(string storePath, StoreWriter store, Action<AlertSeverity, string, string> raise, ILogger logger)
    {
        string? previous;
        long? lastBeat;
        using (var reader = StoreReader.Open(storePath))
        {
            previous = reader.GetEngineState(EngineKeys.Lifecycle);
            lastBeat = reader.GetStatus()?.HeartbeatNanos;
        }
        if (previous == "running")
        {
            var beat = lastBeat is > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(lastBeat.Value / 1_000_000).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "unknown";
            var message = $"the last daemon did not exit cleanly (kill -9, a crash, the watchdog or a power loss; last heartbeat {beat}): " +
                          "nothing watched the book from then to this start; the state is rebuilt from the store and reconciled with the broker";
            Log.UncleanExit(logger, beat);
            raise(AlertSeverity.Warning, "UNCLEAN_EXIT", message);
        }
        store.RecordNow(new StoreWrite.EngineState(EngineKeys.Lifecycle, "running", EngineClock.WallNanos()));
    }

    /// <summary>At the exit path's end: queued before the final flush, which commits it (a flush that fails leaves
    /// "running": that exit was not clean for the store either).</summary>
    public static void Stopped(StoreWriter store) =>
        store.TryEnqueue(new StoreWrite.EngineState(EngineKeys.Lifecycle, "stopped", EngineClock.WallNanos()));
}
