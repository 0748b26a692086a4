using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.Control;

public sealed class ControlQueueTests : IDisposable
{
    private readonly TempStore _store = new();

    public ControlQueueTests()
    {
        using (_store.OpenWriter()) { } // the daemon's writer creates the store; the queue never does
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public void MonitorEnqueues_DaemonClaimsAndCompletes_MonitorSeesTheOutcome()
    {
        using var monitor = ControlQueue.Open(_store.Path);
        using var daemon = ControlQueue.Open(_store.Path);
        var id = monitor.Enqueue(ControlCommandKind.Flatten, """{"target":"zero"}""", "tui@host");

        var claimed = daemon.TryClaimNext()!;
        Assert.Equal((id, ControlCommandKind.Flatten, ControlStatus.Taken, "tui@host"), (claimed.Id, claimed.Command, claimed.Status, claimed.RequestedBy));
        Assert.NotNull(claimed.TakenNanos);
        Assert.Null(daemon.TryClaimNext()); // nothing left
        Assert.True(daemon.Complete(id, ControlOutcome.Done, "flattened 300 SPY"));
        Assert.False(daemon.Complete(id, ControlOutcome.Refused, "again")); // only a taken command can complete

        using var reader = StoreReader.Open(_store.Path);
        var seen = reader.GetControlCommand(id)!;
        Assert.Equal((ControlStatus.Done, "flattened 300 SPY"), (seen.Status, seen.Result));
        Assert.NotNull(seen.CompletedNanos);
    }

    [Fact]
    public void CommandsAreClaimedOldestFirst()
    {
        using var q = ControlQueue.Open(_store.Path);
        var pause = q.Enqueue(ControlCommandKind.Pause, "", "tui");
        var stop = q.Enqueue(ControlCommandKind.Stop, "", "tui");
        Assert.Equal(pause, q.TryClaimNext()!.Id);
        Assert.Equal(stop, q.TryClaimNext()!.Id);
    }

    [Fact]
    public async Task TwoConcurrentClaimers_EachCommandIsClaimedExactlyOnce()
    {
        const int n = 300;
        using (var monitor = ControlQueue.Open(_store.Path))
            for (var i = 0; i < n; i++) monitor.Enqueue(ControlCommandKind.SelfCheck, $$"""{"i":{{i}}}""", "tui");

        var start = new Barrier(2);
        List<long> Claim()
        {
            using var q = ControlQueue.Open(_store.Path);
            var mine = new List<long>();
            start.SignalAndWait();
            while (q.TryClaimNext() is { } c)
            {
                mine.Add(c.Id);
                Thread.Sleep(1); // "handle" it, as a daemon would, so the other claimer gets turns too
            }
            return mine;
        }
        var a = Task.Run(Claim);
        var b = Task.Run(Claim);
        var claimed = (await a).Concat(await b).ToList();

        Assert.Equal(n, claimed.Count);
        Assert.Equal(n, claimed.Distinct().Count());
        Assert.True((await a).Count > 0 && (await b).Count > 0, "both claimers should have competed");
    }

    [Fact]
    public void AfterADaemonCrash_TheTakenButUnansweredCommandsAreListedOldestFirst_NeverDeliveredAgain()
    {
        using var q = ControlQueue.Open(_store.Path);
        var order = q.Enqueue(ControlCommandKind.ManualOrder, """{"qty":100}""", "tui");
        var flatten = q.Enqueue(ControlCommandKind.Flatten, "", "tui");
        var later = q.Enqueue(ControlCommandKind.Resume, "", "tui");
        q.TryClaimNext(); // the old daemon took the manual order and the flatten, then died
        q.TryClaimNext();

        Assert.Equal([order, flatten], q.Taken().Select(c => c.Id));
        Assert.Equal(later, q.TryClaimNext()!.Id); // the pending one is still delivered, the taken ones not again
        Assert.Null(q.TryClaimNext());
    }

    [Fact]
    public void OpeningTheQueueOnAMissingStore_ThrowsStoreUnavailable()
    {
        var missing = Path.Combine(_store.Directory, "nope.db");
        var e = Assert.Throws<StoreUnavailableException>(() => ControlQueue.Open(missing));
        Assert.Equal(missing, e.StorePath);
    }
}
