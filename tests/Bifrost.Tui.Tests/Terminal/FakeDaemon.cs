using Bifrost.Store.Control;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.Terminal;

/// <summary>
/// Stands in for bifrost-daemon: writes the <see cref="Sample"/> through the real StoreWriter, heartbeats every 200 ms,
/// and serves the control queue — a stop is completed as done and ends the loop (no heartbeat, no operation after it).
/// </summary>
internal sealed class FakeDaemon : IDaemonUnderTest
{
    private readonly TempStore _store = TempStore.Empty();
    private readonly CancellationTokenSource _cancel = new();
    private Task? _loop;
    private long _lastOperationNanos;
    private long _stoppedAtNanos;

    public string StorePath => _store.Path;

    public void Start()
    {
        var now = UnixNanos.Now();
        _store.Write(w => Sample.Fill(w, now, Sample.Status(now)));
        _lastOperationNanos = now;
        _loop = Task.Run(Loop);
    }

    private async Task Loop()
    {
        await using var writer = StoreWriter.Open(StorePath);
        using var control = ControlQueue.Open(StorePath);
        while (!_cancel.IsCancellationRequested)
        {
            writer.Heartbeat(UnixNanos.Now());
            if (control.TryClaimNext() is { } command)
            {
                var t = UnixNanos.Now();
                writer.Record(new OperationRecord(t, OperationKind.Control, Sample.RunId, Detail: $"{EnumText<ControlCommandKind>.ToText(command.Command)} by {command.RequestedBy}"));
                _lastOperationNanos = t;
                if (command.Command == ControlCommandKind.Stop)
                {
                    writer.SetStatus(Sample.Status(t) with { FsmState = "Stopped", Health = Health.Blocked, BlockReasons = ["STOPPED"] });
                    await writer.FlushAsync();
                    control.Complete(command.Id, ControlOutcome.Done, "stopped");
                    _stoppedAtNanos = t;
                    return;
                }
                control.Complete(command.Id, ControlOutcome.Done, EnumText<ControlCommandKind>.ToText(command.Command) + " done");
            }
            await writer.FlushAsync();
            await Task.Delay(200);
        }
    }

    public void AssertStopped(TimeSpan timeout)
    {
        if (_loop is null || !_loop.Wait(timeout)) throw new TimeoutException("the fake daemon did not stop");
        Assert.True(_stoppedAtNanos > 0);
        Assert.True(_lastOperationNanos <= _stoppedAtNanos, "an operation was recorded after the stop");
    }

    public void Dispose()
    {
        _cancel.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _store.Dispose();
    }
}
