using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Writer;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>
/// The engine memory a locked store refused (another writer holding SQLite's lock past busy_timeout): kept beside the
/// store and put into it at the next start. A real store, a real lock, the real engine loop. Before, a pause or a halt
/// whose write failed was forgotten by an exit before the next clock tick's retry, and the restart traded.
/// </summary>
public sealed class PendingMemoryTests : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bifrost-pending-" + Guid.NewGuid().ToString("N"));
    private readonly string _path;
    private readonly Config _cfg;
    private readonly StoreWriter _store;
    private readonly CommandDispatcher _dispatcher;
    private readonly EngineLoop _loop;
    private long _now = new DateTimeOffset(2026, 3, 2, 15, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L;

    public PendingMemoryTests()
    {
        Directory.CreateDirectory(_dir);
        _path = Path.Combine(_dir, "bifrost.db");
        _cfg = ConfigLoader.Parse(TestConfig.Json(1, _path, conIds: true), new Hashtable()).Preview;
        // A short busy_timeout: the lock below fails a write in 200 ms instead of the default 5 s.
        _store = StoreWriter.Open(_path, new StoreWriterOptions { BusyTimeout = TimeSpan.FromMilliseconds(200) });
        _dispatcher = new CommandDispatcher(_cfg, _store, new IdleBroker(), new NoControl(), new StatusMapper(_cfg, ContractTable.From(_cfg), "{}"),
            new SystemEngineClock(), NullLogger.Instance) { PendingMemoryPath = PendingMemory.PathFor(_path) };
        _loop = new EngineLoop(_cfg, StateModule.initial(_cfg), new EngineChannel(new SystemEngineClock(), 1024), _dispatcher, NullLogger.Instance);
    }

    private string Pending => PendingMemory.PathFor(_path);

    private ValueTask Step(EventPayload p)
    {
        _now += 100_000_000;
        var t = Timestamp.NewTimestamp(_now);
        return _loop.StepAsync(new Event(t, t, p));
    }

    /// <summary>Another connection takes the store's write lock and holds it until disposed.</summary>
    private SqliteConnection HoldTheWriteLock()
    {
        var c = new SqliteConnection($"Data Source={_path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "BEGIN IMMEDIATE";
        cmd.ExecuteNonQuery();
        return c;
    }

    private async Task RunningThenPausedUnderTheLock(SqliteConnection _)
    {
        await Step(EventPayload.NewControlRequested(Bifrost.Domain.Trading.Control.Pause, new ControlMeta(5, "t")));
        Assert.True(_loop.State.Fsm.IsPaused);
    }

    private async Task Running()
    {
        foreach (var p in EngineInputs.StartedAndReconciled()) await Step(p);
        Assert.True(_loop.State.Fsm.IsRunning);
        await _store.FlushAsync();
    }

    private OperatorState Restored()
    {
        using var reader = StoreReader.Open(_path);
        return StoreRestore.Read(reader, _cfg).Memory!.Value.Operator;
    }

    [Fact]
    public async Task Pause_TheLockedStoreRefused_StillRefusedAtExit_TheNextStartIsPaused()
    {
        await Running();
        using (var held = HoldTheWriteLock())
        {
            await RunningThenPausedUnderTheLock(held);
            Assert.True(File.Exists(Pending), "the refused memory is kept beside the store");
            Assert.False(_dispatcher.SaveUnsavedMemory(), "still locked at exit");
        }
        await _store.DisposeAsync();

        // The next start: the pending memory goes into the store before the store is read.
        await using var next = StoreWriter.Open(_path);
        Assert.Equal(PendingMemoryOutcome.Applied, PendingMemory.MergeIntoStore(Pending, _path, next));
        Assert.False(File.Exists(Pending));
        Assert.Equal(OperatorState.OperatorPaused, Restored());
    }

    [Fact]
    public async Task Pause_TheLockedStoreRefused_SavedOnceTheLockIsGone_ThePendingFileRemoved()
    {
        await Running();
        using (var held = HoldTheWriteLock()) await RunningThenPausedUnderTheLock(held);
        Assert.True(File.Exists(Pending));
        Assert.True(_dispatcher.SaveUnsavedMemory());
        Assert.False(File.Exists(Pending), "removed once the store took the memory");
        Assert.Equal(OperatorState.OperatorPaused, Restored());
    }

    [Fact]
    public async Task PendingMemory_OlderThanTheStoresRow_IsDropped_TheStoreKeepsItsOwn()
    {
        await Running();
        var paused = EngineInputs.WithOperator(EngineMemoryModule.empty, OperatorState.OperatorPaused);
        PendingMemory.Write(Pending, MemoryJson.Write(paused), savedNanos: 1);
        Assert.Equal(PendingMemoryOutcome.Superseded, PendingMemory.MergeIntoStore(Pending, _path, _store));
        Assert.False(File.Exists(Pending));
        Assert.Equal(OperatorState.OperatorRunning, Restored());
    }

    [Fact]
    public async Task PendingMemory_Unreadable_RefusesTheStart_NamingTheFile()
    {
        await Running();
        await File.WriteAllTextAsync(Pending, "{\"saved_ns\": 5, \"memory\": \"{not json\"}");
        var e = Assert.Throws<DaemonRefusedException>(() => PendingMemory.MergeIntoStore(Pending, _path, _store));
        Assert.Contains(Pending, e.Message);
        Assert.True(File.Exists(Pending), "never removed: it may hold a halt");
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class NoControl : IControlCompleter
    {
        public void Complete(long controlId, bool done, string result) { }
    }

    private sealed class IdleBroker : IBrokerPort
    {
        public ValueTask PlaceOrderAsync(OrderRequest order, CancellationToken ct = default) => ValueTask.CompletedTask;
        public ValueTask CancelOrderAsync(int ibOrderId, CancellationToken ct = default) => ValueTask.CompletedTask;
        public ValueTask ReconcileAsync(IReadOnlyList<ReconcileScope> scopes, CancellationToken ct = default) => ValueTask.CompletedTask;
        public ValueTask SubscribeAsync(IReadOnlyList<ContractId> contracts, CancellationToken ct = default) => ValueTask.CompletedTask;
    }
}
