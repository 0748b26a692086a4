using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bifrost.Daemon.Tests.Control;

/// <summary>A command's outcome is written back only after what the engine queued before it is committed: whoever reads
/// the run right after the answer finds its rows (a portfolio rerun's row was once missing right after "done").</summary>
public sealed class ControlWorkerOrderingTests : IDisposable
{
    private static readonly Config Cfg = ConfigLoader.Parse(TestConfig.Json(port: 1, storePath: "x.db", conIds: true), new Hashtable()).Preview;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bifrost-control-order-" + Guid.NewGuid().ToString("N"));

    public ControlWorkerOrderingTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public async Task Outcome_WhileTheWriterWaitsToRetry_ShowsDoneOnlyOnceTheRowsBeforeItAreCommitted()
    {
        var path = Path.Combine(_dir, "bifrost.db");
        await using var store = SlowToRetryStore(path);
        var id = Claimed(path, ControlCommandKind.Pause);
        await using var worker = StartedWorker(path, store);

        using (var locker = new SqliteConnection($"Data Source={path}"))
        {
            locker.Open();
            Exec(locker, "BEGIN IMMEDIATE;"); // another writer holds the database for a moment
            // In the engine's order: the step's row, then its outcome.
            Assert.True(store.Record(new OperationRecord(EngineClock.WallNanos(), OperationKind.ControlDone, Detail: "the run's row")));
            worker.Complete(id, done: true, "done: paused");
            await Task.Delay(1_200);
            Exec(locker, "ROLLBACK;");
        }

        using var reader = StoreReader.Open(path);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (reader.GetControlCommand(id)?.Status != ControlStatus.Done)
        {
            Assert.True(DateTime.UtcNow < deadline, "the outcome was never written");
            await Task.Delay(1);
        }
        Assert.Equal(1, reader.CountOperations(new OperationQuery { Kinds = [OperationKind.ControlDone] }));
    }

    [Fact]
    public async Task Outcome_WhenTheDaemonStopsWhileTheWriterWaitsToRetry_IsStillWrittenAfterTheRowsBeforeIt()
    {
        var path = Path.Combine(_dir, "bifrost.db");
        // Timed by the writer's own failure, not by a guess: once its first try has failed it sleeps a whole second, the
        // lock is released 0.1 s into that sleep, and the outcome's bound (2 s) runs from the outcome. An outcome that
        // does not wait reaches the database ~0.9 s before the row; one that waits is written ~1 s after it was due.
        await using var store = SlowToRetryStore(path, TimeSpan.FromSeconds(1));
        var firstTryFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.WriteFailed += _ => firstTryFailed.TrySetResult();
        var id = Claimed(path, ControlCommandKind.Stop);
        var worker = StartedWorker(path, store);

        Task stopped;
        using (var locker = new SqliteConnection($"Data Source={path}"))
        {
            locker.Open();
            Exec(locker, "BEGIN IMMEDIATE;");
            // The Stop's last row, then its outcome; the daemon winds the worker down at once (as DaemonService does
            // when the engine exits): the outcome is written on the way out, and still after the row.
            Assert.True(store.Record(new OperationRecord(EngineClock.WallNanos(), OperationKind.ControlDone, Detail: "the stop's row")));
            await firstTryFailed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            worker.Complete(id, done: true, "done: stopped");
            worker.StopClaiming();
            stopped = worker.DisposeAsync().AsTask();
            await Task.Delay(100);
            Exec(locker, "ROLLBACK;");
        }
        await stopped;

        using var reader = StoreReader.Open(path);
        Assert.Equal(ControlStatus.Done, reader.GetControlCommand(id)?.Status);
        Assert.Equal(1, reader.CountOperations(new OperationQuery { Kinds = [OperationKind.ControlDone] }));
    }

    /// <summary>A writer that gives up on a held lock (a 1-ms busy timeout) and retries <paramref name="retry"/> (400 ms unless said)
    /// later, while the control queue waits for the lock (5 s): a lock released while the writer is between tries lets
    /// an outcome reach the database first unless it waits for the queue.</summary>
    private static StoreWriter SlowToRetryStore(string path, TimeSpan? retry = null) => StoreWriter.Open(path, new StoreWriterOptions
    {
        BusyTimeout = TimeSpan.FromMilliseconds(1),
        MinRetryDelay = retry ?? TimeSpan.FromMilliseconds(400),
        MaxRetryDelay = retry ?? TimeSpan.FromMilliseconds(400),
    });

    /// <summary>A command claimed, as the worker would: the engine now owes its outcome.</summary>
    private static long Claimed(string path, ControlCommandKind kind)
    {
        using var queue = ControlQueue.Open(path);
        var id = queue.Enqueue(kind, "{}", "test");
        Assert.NotNull(queue.TryClaimNext());
        return id;
    }

    private static ControlWorker StartedWorker(string path, StoreWriter store)
    {
        var worker = new ControlWorker(path, new EngineChannel(new SystemEngineClock(), 1024), store, Cfg, ContractTable.From(Cfg),
            TimeSpan.FromMilliseconds(10), NullLogger.Instance);
        worker.Start();
        return worker;
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
