using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Store.Maintenance;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Writer;

namespace Bifrost.Daemon.Engine;

/// <summary>What <see cref="PendingMemory.MergeIntoStore"/> did with a pending memory file.</summary>
public enum PendingMemoryOutcome { None, Applied, Superseded }

/// <summary>
/// The engine memory (a pause, a risk halt, the day's counters, the option book) the store could not take: written
/// beside the store when a memory write fails (a locked or full store) and removed once a write succeeds. A restart
/// rebuilds its state from the store only, so a halt whose write failed before the daemon exited used to be forgotten,
/// and the engine traded on. At start the file goes into the store first, unless the store's row is newer.
/// <para>
/// The file (<c>{store}.memory.pending</c>, 0600) is replaced atomically (written aside, fsynced, renamed): it is whole
/// or the previous one. Content: <c>{"saved_ns": N, "memory": "&lt;the engine_memory JSON&gt;"}</c>.
/// </para>
/// </summary>
public static class PendingMemory
{
    public static string PathFor(string storePath) => storePath + ".memory.pending";

    /// <summary>Replaces the pending file with this memory (its engine_memory JSON, saved at <paramref name="savedNanos"/>
    /// on the engine's clock, as the store's row would have been).</summary>
    public static void Write(string path, string memoryJson, long savedNanos)
    {
        var json = new JsonObject { ["saved_ns"] = savedNanos, ["memory"] = memoryJson }.ToJsonString();
        var aside = path + ".tmp";
        using (var f = OwnerOnlyFile.Open(aside, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(Encoding.UTF8.GetBytes(json));
            f.Flush(flushToDisk: true);
        }
        File.Move(aside, path, overwrite: true);
    }

    public static void Delete(string path)
    {
        File.Delete(path);
        File.Delete(path + ".tmp");
    }

    /// <summary>
    /// At start, before the store is read: a pending memory newer than the store's engine_memory row (or with no row)
    /// is written into the store; an older one is dropped (a later write reached the store). The file is removed
    /// either way. A file that cannot be read is refused (exit 2) naming it: it may hold a halt.
    /// </summary>
    public static PendingMemoryOutcome MergeIntoStore(string path, string storePath, StoreWriter store)
    {
        if (!File.Exists(path)) return PendingMemoryOutcome.None;
        long savedNs;
        string memoryJson;
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new FormatException("not a JSON object");
            savedNs = o["saved_ns"]?.GetValue<long>() ?? throw new FormatException("saved_ns missing");
            memoryJson = o["memory"]?.GetValue<string>() ?? throw new FormatException("memory missing");
            MemoryJson.Read(memoryJson); // the same check the restore makes: never stored if it could not be restored
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new DaemonRefusedException($"the pending engine memory '{path}' is unreadable ({e.Message}): it holds the operator state " +
                "(a pause or halt) and the day's counters the store could not take before the last exit. Inspect it; move it aside to start from the store's memory");
        }
        long? storedAt;
        using (var reader = StoreReader.Open(storePath)) storedAt = reader.GetEngineStateWrittenAt(MemoryJson.Key);
        var outcome = PendingMemoryOutcome.Superseded;
        if (storedAt is null || savedNs >= storedAt)
        {
            store.RecordNow(new StoreWrite.EngineState(MemoryJson.Key, memoryJson, savedNs));
            outcome = PendingMemoryOutcome.Applied;
        }
        Delete(path);
        return outcome;
    }
}
