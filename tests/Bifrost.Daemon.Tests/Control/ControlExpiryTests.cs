using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bifrost.Daemon.Tests.Control;

/// <summary>A command queued while the daemon was down (the console or the CLI accept it; the row waits) used to run at
/// the next start, hours or days after the operator decided it. One that trades or starts trading now expires after
/// daemon.control_max_age_seconds; stop, pause, cancel and self-check never do. Real store, real queue, real channel.</summary>
public sealed class ControlExpiryTests : IDisposable
{
    private static readonly Config Cfg = ConfigLoader.Parse(TestConfig.Json(port: 1, storePath: "x.db", conIds: true), new Hashtable()).Preview;
    private const string Buy = """{"contract":"XYZ","side":"buy","quantity":100}""";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bifrost-control-expiry-" + Guid.NewGuid().ToString("N"));

    public ControlExpiryTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public async Task ManualBuyQueuedTwoHoursAgo_IsRefusedExpired_NothingReachesTheEngine_WhileAPauseAsOldAndAFreshBuyDo()
    {
        var path = Path.Combine(_dir, "bifrost.db");
        await using var store = StoreWriter.Open(path);
        long oldBuy, oldPause, oldResume, freshBuy;
        using (var queue = ControlQueue.Open(path))
        {
            oldBuy = queue.Enqueue(ControlCommandKind.ManualOrder, Buy, "ops@desk");
            oldPause = queue.Enqueue(ControlCommandKind.Pause, "{}", "ops@desk");
            oldResume = queue.Enqueue(ControlCommandKind.Resume, "{}", "ops@desk");
        }
        Backdate(path, TimeSpan.FromHours(2), oldBuy, oldPause, oldResume);
        using (var queue = ControlQueue.Open(path)) freshBuy = queue.Enqueue(ControlCommandKind.ManualOrder, Buy, "ops@desk");

        var channel = new EngineChannel(new SystemEngineClock(), 1024);
        await using (var worker = new ControlWorker(path, channel, store, Cfg, ContractTable.From(Cfg), TimeSpan.FromMilliseconds(10), NullLogger.Instance))
        {
            worker.Start();
            using var reader = StoreReader.Open(path);
            await AllTaken(reader, oldBuy, oldPause, oldResume, freshBuy);
            var refused = reader.GetControlCommand(oldBuy)!;
            Assert.Equal(ControlStatus.Refused, refused.Status);
            Assert.StartsWith("expired: queued 7,2", refused.Result);
            Assert.Contains("nothing was done", refused.Result);
            Assert.Equal(ControlStatus.Refused, reader.GetControlCommand(oldResume)!.Status); // a resume starts trading: expired too
            Assert.Equal(ControlStatus.Taken, reader.GetControlCommand(oldPause)!.Status); // handed to the engine
            Assert.Equal(ControlStatus.Taken, reader.GetControlCommand(freshBuy)!.Status);
        }
        var posted = new List<EventPayload>();
        while (channel.Reader.TryRead(out var e)) posted.Add(e.Event.Payload);
        Assert.Equal(2, posted.Count);
        Assert.True(posted[0] is EventPayload.ControlRequested { Item1.IsPause: true }, $"{posted[0]}");
        Assert.True(posted[1] is EventPayload.ManualOrderRequested m && m.Item.Meta.ControlId == freshBuy, $"{posted[1]}");
        await store.FlushAsync(CancellationToken.None);
        using var read = StoreReader.Open(path);
        Assert.Equal(2, read.CountOperations(new OperationQuery { Kinds = [Bifrost.Store.Records.OperationKind.ControlDone] }));
    }

    /// <summary>A command dated in the future never grew old (its age counted as zero): a buy queued by a writer whose clock
    /// ran a day ahead, or a row written by hand with a wrong stamp, would have run at any later start. Now it is refused;
    /// a pause dated the same way still reaches the engine (it never expires).</summary>
    [Theory]
    [InlineData("created_ns + 86400000000000")] // a day ahead
    [InlineData("1e30")] // beyond the range of nanoseconds (read back as the largest)
    public async Task ManualBuyDatedInTheFuture_IsRefused_APauseDatedSoStillReachesTheEngine(string createdNs)
    {
        var path = Path.Combine(_dir, "bifrost.db");
        await using var store = StoreWriter.Open(path);
        long buy, pause;
        using (var queue = ControlQueue.Open(path))
        {
            buy = queue.Enqueue(ControlCommandKind.ManualOrder, Buy, "ops@desk");
            pause = queue.Enqueue(ControlCommandKind.Pause, "{}", "ops@desk");
        }
        using (var c = new SqliteConnection($"Data Source={path}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"UPDATE control_queue SET created_ns = {createdNs} WHERE id IN ({buy}, {pause})";
            Assert.Equal(2, cmd.ExecuteNonQuery());
        }

        var channel = new EngineChannel(new SystemEngineClock(), 1024);
        await using (var worker = new ControlWorker(path, channel, store, Cfg, ContractTable.From(Cfg), TimeSpan.FromMilliseconds(10), NullLogger.Instance))
        {
            worker.Start();
            using var reader = StoreReader.Open(path);
            await AllTaken(reader, buy, pause);
            var refused = reader.GetControlCommand(buy)!;
            Assert.Equal(ControlStatus.Refused, refused.Status);
            Assert.Contains("ahead of the daemon's clock", refused.Result);
            Assert.Contains("nothing was done", refused.Result);
            Assert.Equal(ControlStatus.Taken, reader.GetControlCommand(pause)!.Status);
        }
        var posted = new List<EventPayload>();
        while (channel.Reader.TryRead(out var e)) posted.Add(e.Event.Payload);
        Assert.True(posted is [EventPayload.ControlRequested { Item1.IsPause: true }], string.Join(", ", posted));
    }

    [Fact]
    public void Expires_EveryKindThatTradesOrStartsTrading_NeverOneThatStopsOrInspects()
    {
        var expiring = Enum.GetValues<ControlCommandKind>().Where(ControlExpiry.Expires).ToHashSet();
        Assert.Equal(new HashSet<ControlCommandKind>
        {
            ControlCommandKind.Resume, ControlCommandKind.Flatten, ControlCommandKind.ManualOrder, ControlCommandKind.Rebalance,
            ControlCommandKind.ConfirmBook, ControlCommandKind.PortfolioRun,
        }, expiring);
    }

    /// <summary>Waits until the worker has taken every one of the commands (none pending).</summary>
    private static async Task AllTaken(StoreReader reader, params long[] ids)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (ids.Any(id => reader.GetControlCommand(id)!.Status == ControlStatus.Pending))
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker never took them");
            await Task.Delay(10);
        }
    }

    private static void Backdate(string path, TimeSpan by, params long[] ids)
    {
        using var c = new SqliteConnection($"Data Source={path}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"UPDATE control_queue SET created_ns = created_ns - {by.Ticks * 100} WHERE id IN ({string.Join(",", ids)})";
        Assert.Equal(ids.Length, cmd.ExecuteNonQuery());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
