using System.Text.Json;
using Bifrost.Store;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Daemon.Engine;

/// <summary>An order about to be sent: its row, the order-id high-water mark it raises, and its child run if new.</summary>
public sealed record JournalEntry(OrderRecord Order, long NextOrderId, RunRecord? Run);

/// <summary>
/// Write-ahead journal of orders, one JSON line each, appended with a single write(2) before the placeOrder bytes leave.
/// A line in the kernel's page cache survives kill -9 of the daemon, as a WAL commit with synchronous=NORMAL does, at a
/// fraction of a SQLite commit's cost and without contending with the store's batch writer; with
/// <c>store.durability: power_loss</c> each line is fsynced. The order row itself goes through the store's queue. At start
/// the journal is merged into the store (orders the store lacks are recorded) and emptied, before the restore reads the
/// store: "an order the broker may have, the store knows" holds across crashes.
/// </summary>
public sealed class OrderJournal : IDisposable
{
    private readonly FileStream _file;
    private readonly bool _fsync;

    public OrderJournal(string path, Durability durability)
    {
        Path = path;
        _fsync = durability == Durability.PowerLoss;
        if (!File.Exists(path) && !OperatingSystem.IsWindows())
        {
            using (File.Create(path)) { }
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        // bufferSize 0: every Append is one write(2) straight to the kernel, nothing left in a user-space buffer.
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    public string Path { get; }

    public static string PathFor(string storePath) => storePath + ".orders.journal";

    public void Append(JournalEntry entry)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(entry);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        _file.Write(line);
        if (_fsync) _file.Flush(flushToDisk: true);
    }

    /// <summary>The complete entries of a journal file; a torn last line (killed mid-write: never sent) is skipped.</summary>
    public static IReadOnlyList<JournalEntry> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var entries = new List<JournalEntry>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            try
            {
                if (JsonSerializer.Deserialize<JournalEntry>(line) is { } e) entries.Add(e);
            }
            catch (JsonException)
            {
                // Only the last line can be torn: its write never returned, so its placeOrder was never sent.
            }
        }
        return entries;
    }

    /// <summary>Records in the store every journaled order it does not have (and the id marks), then empties the journal.
    /// Returns how many orders were recovered.</summary>
    public static int MergeIntoStore(string journalPath, string storePath, StoreWriter store)
    {
        var entries = Read(journalPath);
        var recovered = 0;
        if (entries.Count > 0)
        {
            using var reader = StoreReader.Open(storePath);
            foreach (var e in entries)
            {
                var writes = new List<StoreWrite> { new StoreWrite.OrderIdHighWater(e.NextOrderId, e.Order.CreatedNanos) };
                if (e.Run is not null) writes.Add(new StoreWrite.RunStarted(e.Run));
                if (reader.GetOrder(e.Order.OrderRef) is null)
                {
                    writes.Insert(0, new StoreWrite.Order(e.Order));
                    recovered++;
                }
                store.RecordNow([.. writes]);
            }
        }
        File.WriteAllBytes(journalPath, []);
        return recovered;
    }

    public void Dispose() => _file.Dispose();
}
