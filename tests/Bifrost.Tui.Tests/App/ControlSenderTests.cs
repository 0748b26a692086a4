using Bifrost.Store.Control;
using Bifrost.Store.Maintenance;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Tui.App;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;

namespace Bifrost.Tui.Tests.App;

public sealed class ControlSenderTests
{
    // At 50x14 the flatten confirmation with the daemon silent was cut below its sixth line — the expiry note, what stays
    // open, the y/n line — and y queued the flatten. A confirmation the operator cannot read whole sends nothing; once the
    // terminal is large enough to show it, y sends it.
    [Fact]
    public void Yes_OnAConfirmationCutByATinyTerminal_QueuesNothing_UntilItIsShownWhole()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => s with { HeartbeatNanos = Frames.Now - 95 * Sample.Second });
        using var sender = new ControlSender(store.Path, "ops@phone/tui");
        var state = UiUpdate.Update(new UiState(), new UiAction.RequestControl(ControlCommandKind.Flatten), null).State;

        var (still, effects) = UiUpdate.Update(state, new UiAction.Confirm(), Frames.Build(store.Path, state, viewport: new Viewport(50, 14)));
        foreach (var effect in effects.OfType<UiEffect.EnqueueControl>()) sender.Send(effect.Kind); // as MonitorApp performs it
        using (var reader = StoreReader.Open(store.Path))
            Assert.Empty(reader.ListControlCommands());
        Assert.Equal(ControlCommandKind.Flatten, still.Confirm);
        Assert.Equal("Flatten NOT sent: the confirmation does not fit this terminal; enlarge it and read it all, or n", still.Message);

        var (_, sent) = UiUpdate.Update(still, new UiAction.Confirm(), Frames.Build(store.Path, still, viewport: new Viewport(80, 24)));
        Assert.Equal(ControlCommandKind.Flatten, Assert.IsType<UiEffect.EnqueueControl>(Assert.Single(sent)).Kind);
    }

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

    // A backup restored (bifrost-daemon restore, mv, rsync: a new file at the store's path) while the console stayed
    // open: the sender's connection still wrote to the replaced file — "Flatten sent" on screen, a row the daemon never
    // sees, its id perhaps another command's in the restored store.
    [Fact]
    public void Flatten_AfterABackupWasRestored_IsQueuedInTheRestoredStore()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var backup = Path.Combine(store.Directory, "backup.db");
        StoreBackup.Run(store.Path, backup);
        using var sender = new ControlSender(store.Path, "ops@desk/tui");
        Assert.IsType<UiAction.ControlSent>(sender.Send(ControlCommandKind.Pause));

        BackupRestore.Run(backup, store.Path);
        var sent = Assert.IsType<UiAction.ControlSent>(sender.Send(ControlCommandKind.Flatten));

        using var reader = StoreReader.Open(store.Path);
        var queued = Assert.Single(reader.ListControlCommands());
        Assert.Equal((sent.Id, ControlCommandKind.Flatten, ControlStatus.Pending), (queued.Id, queued.Command, queued.Status));
    }

    // The console's reader, reopened only every 10 s, read the tracked id from the replaced store: there that id was an
    // earlier resume, done — shown as the flatten's outcome while the flatten waited, untaken, in the restored store.
    [Fact]
    public void TrackedFlatten_AfterABackupWasRestored_ShowsItsOwnStatus_NotTheReplacedStoresCommandWithItsId()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var backup = Path.Combine(store.Directory, "backup.db");
        StoreBackup.Run(store.Path, backup);
        using (var daemon = ControlQueue.Open(store.Path))
        {
            daemon.Enqueue(ControlCommandKind.Resume, "{}", "ops@desk/tui");
            daemon.Complete(daemon.TryClaimNext()!.Id, ControlOutcome.Done, "resumed");
        }
        using var source = new StoreSource(store.Path);
        Assert.Null(source.Load(new UiState(), Viewport.Standard, Frames.Now).Error);

        BackupRestore.Run(backup, store.Path);
        using var sender = new ControlSender(store.Path, "ops@desk/tui");
        var sent = Assert.IsType<UiAction.ControlSent>(sender.Send(ControlCommandKind.Flatten));
        var tracked = source.Load(new UiState { TrackedCommand = sent.Id }, Viewport.Standard, Frames.Now).Tracked!;

        Assert.Equal((ControlCommandKind.Flatten, ControlStatus.Pending), (tracked.Command, tracked.Status));
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
