using Bifrost.Daemon.Engine;
using Bifrost.Store;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>The write-ahead order journal: what is appended is read back, a torn last line is skipped, and the merge at
/// start records exactly the orders the store lacks without touching the ones it has.</summary>
public sealed class OrderJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-journal").FullName;
    private string Store => Path.Combine(_dir, "bifrost.db");
    private string Journal => OrderJournal.PathFor(Store);

    private static OrderRecord Row(string orderRef, long ibId, string status = "PendingSubmit") =>
        new(orderRef, "t1", "hedge", 125, TradeSide.Sell, 66, "MKT", null, "DAY", status, 1_000, 1_000, ibId);

    [Fact]
    public void Appended_Entries_ReadBack_AndTheFileIsPrivate()
    {
        using (var j = new OrderJournal(Journal, Durability.ProcessCrash))
        {
            j.Append(new JournalEntry(Row("oi_t1_1", 1), 2, null));
            j.Append(new JournalEntry(Row("oi_t1-man7_2", 2), 3, new RunRecord("t1-man7", RunKind.Manual, 1_000, "{}", "t1")));
        }
        var entries = OrderJournal.Read(Journal);
        Assert.Equal(["oi_t1_1", "oi_t1-man7_2"], entries.Select(e => e.Order.OrderRef));
        Assert.Equal(3, entries[1].NextOrderId);
        Assert.Equal("t1-man7", entries[1].Run!.RunId);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Journal));
    }

    // store.durability power_loss promised an fsync per line; the flush was lost in a merge and the line stayed in the
    // page cache: a power cut right after the order left lost its record.
    [Theory]
    [InlineData(Durability.PowerLoss, 2)]
    [InlineData(Durability.ProcessCrash, 0)]
    public void Append_UnderPowerLossDurability_FlushesEveryLineToTheDisk(Durability durability, long syncs)
    {
        using var j = new OrderJournal(Journal, durability);
        j.Append(new JournalEntry(Row("oi_t1_1", 1), 2, null));
        j.Append(new JournalEntry(Row("oi_t1_2", 2), 3, null));
        Assert.Equal(syncs, j.Syncs);
        Assert.Equal(["oi_t1_1", "oi_t1_2"], OrderJournal.Read(Journal).Select(e => e.Order.OrderRef));
    }

    [Fact]
    public void Append_WritesExactlyTheEncodedLines_ReusingItsBuffers()
    {
        // The second entry is longer than the first and than Append's initial buffer: the buffer grows in between.
        var first = new JournalEntry(Row("oi_t1_1", 1), 2, null);
        var second = new JournalEntry(Row("oi_t1-man7_2", 2), 3, new RunRecord("t1-man7", RunKind.Manual, 1_000, new string('x', 2_000), "t1"));
        using (var j = new OrderJournal(Journal, Durability.ProcessCrash))
        {
            j.Append(first);
            j.Append(second);
            j.Append(first);
        }
        Assert.Equal([.. OrderJournal.Encode(first), .. OrderJournal.Encode(second), .. OrderJournal.Encode(first)], File.ReadAllBytes(Journal));
        Assert.Equal(3, OrderJournal.Read(Journal).Count);
    }

    [Fact]
    public void TheLinesJson_IsWhatTheReflectionSerializerWrites_ForEveryField()
    {
        // The line's JSON is source-generated; a field added to the records must come out as before (and be read back).
        var full = Row("oi_t1-man7_2", 2) with { PermId = 77, Filled = 0, AvgPrice = 1.5, RejectReason = "none \"quoted\" é", LimitPrice = 470.05 };
        var run = new RunRecord("t1-man7", RunKind.Manual, 1_000, "{\"a\":1}", "t1") { EndedNanos = 5, SummaryJson = "{}" };
        foreach (var entry in new[] { new JournalEntry(Row("oi_t1_1", 1), 2, null), new JournalEntry(full, 3, run) })
        {
            var line = OrderJournal.Encode(entry);
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(entry), System.Text.Encoding.UTF8.GetString(line, 12, line.Length - 13));
        }
        File.WriteAllBytes(Journal, [.. OrderJournal.Encode(new JournalEntry(full, 3, run))]);
        var back = Assert.Single(OrderJournal.Read(Journal));
        Assert.Equal(full, back.Order);
        Assert.Equal(run, back.Run);
    }

    [Fact]
    public void TheChecksum_IsTheStandardCrc32C()
    {
        Assert.Equal(0xE3069283u, OrderJournal.Crc32C("123456789"u8));           // the CRC-32C check value
        Assert.Equal(0x00000000u, OrderJournal.Crc32C([]));
        var line = OrderJournal.Encode(new JournalEntry(Row("oi_t1_1", 1), 2, null));
        Assert.Equal("c2 ", System.Text.Encoding.ASCII.GetString(line, 0, 3));
        Assert.Equal(OrderJournal.Crc32C(line.AsSpan(12, line.Length - 13)).ToString("x8"), System.Text.Encoding.ASCII.GetString(line, 3, 8));
    }

    [Fact]
    public void ALineFromBeforeTheCrc_WithItsSha256Checksum_IsStillRead_AndStillChecked()
    {
        // A daemon killed before an upgrade leaves c1 lines; the upgraded daemon merges them at start.
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new JournalEntry(Row("oi_t1_1", 1), 2, null));
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(json).AsSpan(0, 4));
        File.WriteAllBytes(Journal, [.. "c1 "u8, .. System.Text.Encoding.ASCII.GetBytes(sha), (byte)' ', .. json, (byte)'\n',
            .. OrderJournal.Encode(new JournalEntry(Row("oi_t1_2", 2), 3, null))]);
        Assert.Equal(["oi_t1_1", "oi_t1_2"], OrderJournal.Read(Journal).Select(e => e.Order.OrderRef));
        var bytes = File.ReadAllBytes(Journal);
        bytes[40] ^= 0x01;
        File.WriteAllBytes(Journal, bytes);
        var e = Assert.Throws<JournalCorruptException>(() => OrderJournal.Read(Journal));
        Assert.Equal(1, e.Line);
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void ATornLastLine_IsSkipped()
    {
        using (var j = new OrderJournal(Journal, Durability.ProcessCrash)) j.Append(new JournalEntry(Row("oi_t1_1", 1), 2, null));
        File.AppendAllText(Journal, "c1 0123abcd {\"Order\":{\"OrderRef\":\"oi_t1_2\"");
        Assert.Equal(["oi_t1_1"], OrderJournal.Read(Journal).Select(e => e.Order.OrderRef));
    }

    [Fact]
    public async Task Merge_RecordsOnlyMissingOrders_RaisesTheIdMark_AndEmptiesTheJournal()
    {
        await using (var store = StoreWriter.Open(Store))
        {
            store.UpsertOrder(Row("oi_t1_1", 1, status: "Filled"));
            await store.FlushAsync();
            using (var j = new OrderJournal(Journal, Durability.ProcessCrash))
            {
                j.Append(new JournalEntry(Row("oi_t1_1", 1), 2, null));   // already stored, and moved on since
                j.Append(new JournalEntry(Row("oi_t1_2", 2), 3, null));   // sent, but killed before the queue committed it
            }
            Assert.Equal(1, OrderJournal.MergeIntoStore(Journal, Store, store));
        }
        using var reader = StoreReader.Open(Store);
        Assert.Equal("Filled", reader.GetOrder("oi_t1_1")!.Status);
        Assert.Equal("PendingSubmit", reader.GetOrder("oi_t1_2")!.Status);
        Assert.Equal("3", reader.GetEngineState(EngineKeys.NextOrderId));
        Assert.Empty(OrderJournal.Read(Journal));
    }

    [Fact]
    public void ACorruptLine_OtherThanATornLastOne_IsRefusedNamingTheLine()
    {
        using (var j = new OrderJournal(Journal, Durability.ProcessCrash))
        {
            j.Append(new JournalEntry(Row("oi_t1_1", 1), 2, null));
            j.Append(new JournalEntry(Row("oi_t1_2", 2), 3, null));
        }
        var bytes = File.ReadAllBytes(Journal);
        var second = Array.IndexOf(bytes, (byte)'\n') + 1;
        bytes[second + 40] ^= 0x01; // one flipped bit in line 2's JSON
        File.WriteAllBytes(Journal, bytes);
        var e = Assert.Throws<JournalCorruptException>(() => OrderJournal.Read(Journal));
        Assert.Equal(2, e.Line);
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void AnUnchecksummedLine_IsRefused()
    {
        File.WriteAllText(Journal, System.Text.Json.JsonSerializer.Serialize(new JournalEntry(Row("oi_t1_1", 1), 2, null)) + "\n");
        Assert.Equal(1, Assert.Throws<JournalCorruptException>(() => OrderJournal.Read(Journal)).Line);
    }

    [Fact]
    public void AForgedFilledLine_IsRefusedAsImplausible()
    {
        var forged = Row("oi_t1_9", int.MaxValue - 1, status: "Filled") with { Filled = 66 };
        File.WriteAllBytes(Journal, OrderJournal.Encode(new JournalEntry(forged, int.MaxValue, null)));
        var e = Assert.Throws<JournalCorruptException>(() => OrderJournal.Read(Journal));
        Assert.Contains("implausible status", e.Message);
    }

    [Fact]
    public void AnOrderIdJump_FarBeyondTheKnownMark_IsRefused()
    {
        using (var j = new OrderJournal(Journal, Durability.ProcessCrash))
        {
            j.Append(new JournalEntry(Row("oi_t1_1", 5), 6, null));
            j.Append(new JournalEntry(Row("oi_t1_2", 2_000_000_000), 2_000_000_001, null));
        }
        var e = Assert.Throws<JournalCorruptException>(() => OrderJournal.Read(Journal));
        Assert.Equal(2, e.Line);
        Assert.Contains("jump", e.Message);
    }

    [Fact]
    public void AJournalMadeByHandWithAWideMode_IsTightenedTo0600()
    {
        if (OperatingSystem.IsWindows()) return;
        File.WriteAllText(Journal, "");
        File.SetUnixFileMode(Journal, (UnixFileMode)0b110_100_100); // 0644
        using (new OrderJournal(Journal, Durability.ProcessCrash)) { }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Journal));
    }

    /// <summary>A full filesystem cuts an append short (the line's first bytes fit the file's last page, the rest does
    /// not): that order is not sent. Once space is freed the daemon trades on and journals its next orders; the journal
    /// must still read back whole at the next start, every line after the failed one included. Real tmpfs, filled.</summary>
    [Fact]
    public void AnAppendCutShortByAFullDisk_LeavesNoFragment_TheLinesAfterItReadBack()
    {
        using var mount = TmpfsMount.Create(_dir, "full", sizeKb: 256);
        var path = Path.Combine(mount.Path, "bifrost.db.orders.journal");
        var line = OrderJournal.Encode(new JournalEntry(Row("oi_t1_1", 1), 2, null)).Length;
        var id = 0L;
        using (var j = new OrderJournal(path, Durability.ProcessCrash))
        {
            // Lines until the file's last page has room for part of a line only: the next write is cut short.
            do j.Append(new JournalEntry(Row($"oi_t1_{++id}", id), id + 1, null));
            while (4096 - new FileInfo(path).Length % 4096 is var room && (room >= line || room < 16));
            var filler = mount.FillUp();
            var cut = id + 1;
            var before = new FileInfo(path).Length;
            Assert.ThrowsAny<IOException>(() => j.Append(new JournalEntry(Row($"oi_t1_{cut}", cut), cut + 1, null)));
            Assert.True(new FileInfo(path).Length > before, $"cut short: {before} -> {new FileInfo(path).Length}");
            File.Delete(filler);
            for (var k = 2; k <= 4; k++) j.Append(new JournalEntry(Row($"oi_t1_{id + k}", id + k), id + k + 1, null));
        }
        var refs = OrderJournal.Read(path).Select(e => e.Order.OrderRef).ToList();
        Assert.Equal(Enumerable.Range(1, (int)id).Select(i => $"oi_t1_{i}").Concat([$"oi_t1_{id + 2}", $"oi_t1_{id + 3}", $"oi_t1_{id + 4}"]), refs);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
