using Bifrost.Store.Control;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Tui.Tests.Support;

/// <summary>
/// The daemon's side of the control queue, hand-written: claims each command, lets the test write what the daemon would
/// (operations, orders), then completes it. Runs on its own thread until disposed.
/// </summary>
internal sealed class FakeControlDaemon : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    private FakeControlDaemon(TempStore store, Func<ControlCommand, StoreWriter, (ControlOutcome, string)> handle)
    {
        _thread = new Thread(() =>
        {
            using var queue = ControlQueue.Open(store.Path);
            while (!_stop.IsCancellationRequested)
            {
                if (queue.TryClaimNext() is { } c)
                {
                    (ControlOutcome, string) outcome = default;
                    store.Write(w => outcome = handle(c, w));
                    queue.Complete(c.Id, outcome.Item1, outcome.Item2 ?? "");
                }
                Thread.Sleep(50);
            }
        }) { IsBackground = true };
        _thread.Start();
    }

    public static FakeControlDaemon Start(TempStore store, Func<ControlCommand, StoreWriter, (ControlOutcome, string)> handle) => new(store, handle);

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(10));
    }
}
