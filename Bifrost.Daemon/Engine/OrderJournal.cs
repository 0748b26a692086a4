using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bifrost.Store;
using Bifrost.Store.Maintenance;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Daemon.Engine;

/// <summary>An order about to be sent: its row, the order-id high-water mark it raises, and its child run if new.</summary>
public sealed record JournalEntry(OrderRecord Order, long NextOrderId, RunRecord? Run);

/// <summary>The journal cannot be trusted: a line other than a torn last one is damaged or implausible. The daemon
/// refuses to start (exit 2) and names the line.</summary>
public sealed class JournalCorruptException(string path, int line, string reason)
    : Exception($"order journal '{path}' line {line}: {reason}. Refusing to start: the journal is the record of orders that may be at " +
                "the broker. Inspect the line; if the orders it lists are known to the store or the broker, move the file aside and start again.")
{
    public int Line { get; } = line;
}

/// <summary>
/// Write-ahead journal of orders, one line each, appended with a single write(2) before the placeOrder bytes leave.
/// A line in the kernel's page cache survives kill -9 of the daemon, as a WAL commit with synchronous=NORMAL does, at a
/// fraction of a SQLite commit's cost and without contending with the store's batch writer; with
/// <c>store.durability: power_loss</c> each line is fsynced. The order row itself goes through the store's queue. At start
/// the journal is merged into the store (orders the store lacks are recorded) and emptied, before the restore reads the
/// store: "an order the broker may have, the store knows" holds across crashes.
/// <para>
/// Line format: <c>c2 XXXXXXXX {json}</c>, where XXXXXXXX is the CRC-32C of the JSON in hex (journals written before
/// 2026-12-04 have <c>c1</c> lines, the first 4 bytes of the JSON's SHA-256, and are still read). Every line is checked;
/// only a torn last line (no newline: its write never returned, so its order was never sent) is tolerated. A line whose
/// order could not have been journaled by the daemon (not PendingSubmit, already filled, an id mark that is not its
/// id + 1, an id far beyond the last known one) is refused as implausible.
/// </para>
/// </summary>
public sealed class OrderJournal : IDisposable
{
    /// <summary>An order id more than this above the last known one is implausible (a forged or corrupt line).</summary>
    public const long MaxOrderIdJump = 1_000_000;

    private const int HeaderLength = 12; // "c2 " + 8 hex digits + " "
    private readonly FileStream _file;
    private readonly bool _fsync;
    // Append reuses these (one line at a time, under the lock): the order path allocates no line, JSON or hash buffers.
    private readonly ArrayBufferWriter<byte> _json = new(1024);
    private readonly Utf8JsonWriter _jsonWriter;
    private byte[] _line = new byte[1024];

    public OrderJournal(string path, Durability durability)
    {
        Path = path;
        _fsync = durability == Durability.PowerLoss;
        // Created 0600 atomically; bufferSize 0: every Append is one write(2) straight to the kernel.
        _file = OwnerOnlyFile.Open(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _jsonWriter = new Utf8JsonWriter(_json);
        // One line built and dropped, so the first order of the session does not pay for the serializer's first use.
        WarmUp(WarmUpEntry);
    }

    private static readonly JournalEntry WarmUpEntry = new(
        new OrderRecord("oi_warmup_1", "warmup", "hedge", 1, TradeSide.Buy, 1, "LMT", 1.0, "DAY", "PendingSubmit", 0, 0, IbOrderId: 1), 2, null);

    public string Path { get; }

    public static string PathFor(string storePath) => storePath + ".orders.journal";

    public void Append(JournalEntry entry)
    {
        lock (_json)
        {
            var length = Encode(entry, _json, _jsonWriter, ref _line);
            // A write cut short (a full disk) leaves part of a line, and the order is not sent. The stream writes at its
            // own position, which stays at the line's start, so the next line overwrites the fragment. Never O_APPEND (or
            // a seek to the end): the fragment would join the next line and refuse the next start as corrupt.
            _file.Write(_line, 0, length);
            // power_loss: the line on the disk before the order's bytes leave (fsync), not only in the page cache.
            if (_fsync)
            {
                _file.Flush(flushToDisk: true);
                Syncs++;
            }
        }
    }

    /// <summary>Lines flushed to the disk (fsync) so far: every one with <c>store.durability: power_loss</c>.</summary>
    public long Syncs { get; private set; }

    /// <summary>Builds the entry's line in the buffers <see cref="Append"/> uses and writes nothing: run between orders, it
    /// keeps the serializer's code and those buffers in the caches (a line built after 100 ms of other work cost ~12 µs of
    /// CPU, one built within the last few milliseconds ~1 µs).</summary>
    public void WarmUp(JournalEntry entry)
    {
        lock (_json) Encode(entry, _json, _jsonWriter, ref _line);
    }

    /// <summary>One journal line (with its newline) for an entry.</summary>
    public static byte[] Encode(JournalEntry entry)
    {
        var json = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(json);
        var line = Array.Empty<byte>();
        var length = Encode(entry, json, writer, ref line);
        return line.AsSpan(0, length).ToArray();
    }

    /// <summary>Writes the line into <paramref name="line"/> (grown when short); returns its length.</summary>
    private static int Encode(JournalEntry entry, ArrayBufferWriter<byte> json, Utf8JsonWriter writer, ref byte[] line)
    {
        json.ResetWrittenCount();
        writer.Reset(json);
        // Source-generated: in a fresh process the reflection serializer's first line took ~67 ms (the generated one ~6 ms),
        // and each line at a live cadence (cold caches) ~25 µs of CPU against ~12 µs; the JSON is the same (a test
        // compares them).
        JsonSerializer.Serialize(writer, entry, JournalJson.Default.JournalEntry);
        var body = json.WrittenSpan;
        var length = HeaderLength + body.Length + 1;
        if (line.Length < length) line = new byte[Math.Max(length, 2 * line.Length)];
        Prefix.CopyTo(line);
        WriteChecksum(body, line.AsSpan(Prefix.Length, 8));
        line[HeaderLength - 1] = (byte)' ';
        body.CopyTo(line.AsSpan(HeaderLength));
        line[length - 1] = (byte)'\n';
        return length;
    }

    private static ReadOnlySpan<byte> Prefix => "c2 "u8;
    private static ReadOnlySpan<byte> LegacyPrefix => "c1 "u8;

    /// <summary>A line's checksum: the JSON's CRC-32C as 8 lower-case hex digits (ASCII). A checksum detects damage, which
    /// is all the journal needs (no digest without a key proves who wrote a line); the SHA-256 it replaced was a native
    /// call costing ~14 µs of CPU per line at a live cadence, the CRC one instruction per 8 bytes.</summary>
    private static void WriteChecksum(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32C(json));
        Convert.TryToHexStringLower(crc, destination, out _);
    }

    /// <summary>CRC-32C (Castagnoli, as iSCSI and ext4 use it): reflected, initial and final value all ones.</summary>
    internal static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = ~0u;
        for (; data.Length >= 8; data = data[8..]) crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>The checksum of lines written before 2026-12-04: the first 4 bytes of the JSON's SHA-256.</summary>
    private static void WriteLegacyChecksum(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(json, hash);
        Convert.TryToHexStringLower(hash[..4], destination, out _);
    }

    /// <summary>The entries of a journal file, every line validated; throws <see cref="JournalCorruptException"/> naming
    /// the first bad line. A torn last line is skipped.</summary>
    public static IReadOnlyList<JournalEntry> Read(string path, long knownOrderIdHighWater = 0)
    {
        // Path.Exists: a directory (or a file this process may not read) in the journal's place is refused by the read,
        // not taken for no journal and met after the connection by the append (a crash, restarted into the same one).
        if (!System.IO.Path.Exists(path)) return [];
        var bytes = File.ReadAllBytes(path);
        var entries = new List<JournalEntry>();
        var lastId = knownOrderIdHighWater;
        var start = 0;
        for (var number = 1; start < bytes.Length; number++)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            var torn = end < 0;
            var line = bytes.AsSpan(start, (torn ? bytes.Length : end) - start);
            start = torn ? bytes.Length : end + 1;
            if (line.IsEmpty) continue;
            var (entry, problem) = Parse(line);
            if (problem is not null)
            {
                if (torn) break; // killed mid-write: never sent
                throw new JournalCorruptException(path, number, problem);
            }
            var implausible = Implausible(entry!, lastId);
            if (implausible is not null) throw new JournalCorruptException(path, number, implausible);
            lastId = Math.Max(lastId, entry!.NextOrderId);
            entries.Add(entry);
        }
        return entries;
    }

    private static (JournalEntry? Entry, string? Problem) Parse(ReadOnlySpan<byte> line)
    {
        var legacy = line.StartsWith(LegacyPrefix);
        if (line.Length < Prefix.Length + 9 || !(legacy || line.StartsWith(Prefix)) || line[Prefix.Length + 8] != (byte)' ')
            return (null, "not a journal line (expected 'c2 <checksum> <json>')");
        var json = line[(Prefix.Length + 9)..];
        Span<byte> actual = stackalloc byte[8];
        if (legacy) WriteLegacyChecksum(json, actual);
        else WriteChecksum(json, actual);
        if (!line.Slice(Prefix.Length, 8).SequenceEqual(actual)) return (null, "checksum mismatch (the line was altered or damaged)");
        try
        {
            return JsonSerializer.Deserialize(json, JournalJson.Default.JournalEntry) is { Order: not null } e ? (e, null) : (null, "no order in the line");
        }
        catch (JsonException e)
        {
            return (null, $"not valid JSON: {e.Message}");
        }
    }

    /// <summary>What the daemon journals is always a new order: PendingSubmit, nothing filled, the id mark its id + 1.</summary>
    private static string? Implausible(JournalEntry e, long lastId)
    {
        var o = e.Order;
        if (string.IsNullOrEmpty(o.OrderRef) || !o.OrderRef.StartsWith("oi_", StringComparison.Ordinal) || o.OrderRef.Length > 40)
            return $"implausible order ref '{o.OrderRef}'";
        if (o.Status != "PendingSubmit") return $"implausible status '{o.Status}' for {o.OrderRef} (the journal records orders before they are sent)";
        if (o.Filled != 0) return $"implausible fill {o.Filled} for {o.OrderRef} (the journal records orders before they are sent)";
        if (o.IbOrderId is not { } id || id <= 0 || id >= int.MaxValue) return $"implausible IB order id {o.IbOrderId} for {o.OrderRef}";
        if (e.NextOrderId != id + 1) return $"implausible order-id mark {e.NextOrderId} for {o.OrderRef} (IB id {id})";
        if (lastId > 0 && id > lastId + MaxOrderIdJump)
            return $"implausible order-id jump from {lastId} to {id} for {o.OrderRef}";
        return null;
    }

    /// <summary>The store's order-id mark, which a journal's ids are judged against (0: a new store, or one not readable
    /// yet; the merge reads it again once the store is open). The start-up check and the merge judge by the same mark:
    /// judged from 0 before connecting, a line far above the store's mark passed, and the merge's refusal after the
    /// connection was a crash (exit 1, restarted by systemd into the same crash), not the refusal (exit 2) it is.</summary>
    public static long KnownMark(string storePath)
    {
        if (!File.Exists(storePath) || new FileInfo(storePath).Length == 0) return 0;
        try
        {
            using var reader = StoreReader.Open(storePath);
            return KnownMark(reader);
        }
        catch (Exception e) when (e is StoreUnavailableException or StoreSchemaException)
        {
            return 0;
        }
    }

    private static long KnownMark(StoreReader reader) => long.TryParse(reader.GetEngineState(EngineKeys.NextOrderId), out var mark) ? mark : 0;

    /// <summary>Records in the store every journaled order it does not have (and the id marks), then empties the journal.
    /// Returns how many orders were recovered.</summary>
    public static int MergeIntoStore(string journalPath, string storePath, StoreWriter store)
    {
        if (!File.Exists(journalPath)) return 0;
        var recovered = 0;
        using (var reader = StoreReader.Open(storePath))
        {
            foreach (var e in Read(journalPath, KnownMark(reader)))
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
        OwnerOnlyFile.WriteAllBytes(journalPath, []);
        return recovered;
    }

    public void Dispose()
    {
        _file.Dispose();
        _jsonWriter.Dispose();
    }
}

/// <summary>The journal line's JSON, generated at build time (property names and order as the reflection serializer's).</summary>
[JsonSerializable(typeof(JournalEntry))]
internal sealed partial class JournalJson : JsonSerializerContext;
