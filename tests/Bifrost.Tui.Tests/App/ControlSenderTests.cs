using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.App;
using Bifrost.Tui.Input;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.App;

public sealed class ControlSenderTests
{
    [Fact]
    public void ConfirmedStop_IsQueued_ThenTheDaemonsOutcomeIsShown()
    {
        using var store = TempStore.WithSample(Frames.Now);
        using var sender = new ControlSender(store.Path, "ops@desk/tui");

        var state = UiUpdate.Update(new UiState(), new UiAction.RequestControl(ControlCommandKind.Stop), null).State;
        var (confirmed, effects) = UiUpdate.Update(state, new UiAction.Confirm(), Frames.Build(store.Path, state));
        var enqueue = Assert.IsType<UiEffect.EnqueueControl>(Assert.Single(effects));
        Assert.StartsWith("Stop: the daemon places no new orders from now", enqueue.ConfirmedText);
        var tracked = UiUpdate.Update(confirmed, sender.Send(enqueue.Kind), null).State;

        using (var reader = StoreReader.Open(store.Path))
        {
            var queued = Assert.Single(reader.ListControlCommands());
            Assert.Equal((ControlCommandKind.Stop, ControlStatus.Pending, "ops@desk/tui"), (queued.Command, queued.Status, queued.RequestedBy));
            Assert.Equal(queued.Id, tracked.TrackedCommand);
        }
        Assert.Equal("pending", Frames.Build(store.Path, tracked).Controls.Tracked!.Status);

        // The daemon side: claim exactly once, complete.
        using (var daemon = ControlQueue.Open(store.Path))
        {
            var claimed = daemon.TryClaimNext()!;
            Assert.Equal("taken", Frames.Build(store.Path, tracked).Controls.Tracked!.Status);
            daemon.Complete(claimed.Id, ControlOutcome.Done, "stopped; 1 working order cancelled");
        }
        var done = Frames.Build(store.Path, tracked with { Screen = Screen.Controls }).Controls;
        Assert.Equal(("done", "stopped; 1 working order cancelled"), (done.Tracked!.Status, done.Tracked.Result));
        Assert.Equal("stop", Assert.Single(done.Recent).Command);
    }

    [Fact]
    public void RefusedCommand_ShowsTheRefusal()
    {
        using var store = TempStore.WithSample(Frames.Now);
        using var sender = new ControlSender(store.Path, "ops@desk/tui");
        var sent = Assert.IsType<UiAction.ControlSent>(sender.Send(ControlCommandKind.Resume));
        using (var daemon = ControlQueue.Open(store.Path))
            daemon.Complete(daemon.TryClaimNext()!.Id, ControlOutcome.Refused, "not paused");
        var tracked = Frames.Build(store.Path, new UiState { TrackedCommand = sent.Id }).Controls.Tracked!;
        Assert.Equal(("resume", "refused", "not paused"), (tracked.Command, tracked.Status, tracked.Result));
    }

    [Fact]
    public void MissingStore_CommandNotSent_ReasonShown()
    {
        using var store = TempStore.Empty();
        using var sender = new ControlSender(store.Path, "ops@desk/tui");
        var failed = Assert.IsType<UiAction.ControlFailed>(sender.Send(ControlCommandKind.Stop));
        var state = UiUpdate.Update(new UiState(), failed, null).State;
        Assert.StartsWith("Stop NOT sent: the file does not exist", state.Message);
    }
}
