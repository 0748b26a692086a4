using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Tests.Terminal;

/// <summary>
/// The order ticket in a real terminal against the real daemon trading the replay gateway: an order typed in the ticket,
/// reviewed, confirmed, followed on screen to its fill and the run's batch status; the store's record of the run is the
/// gateway ledger's; then the stop (the daemon exits 0, every ledger order is in the store).
/// </summary>
[Collection(RealDaemonCollection.Name)]
public sealed class TmuxOrderTicketTests
{
    // CI is a shared 2-core machine: generous, polled waits.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public void OrderTicket_InTmux_BuyFromTheTicket_RunDone_LedgerMatchesTheStore()
    {
        using var daemon = new RealDaemon();
        daemon.Start();
        var tui = MonitorUnderTest.Built(daemon.StorePath, "--utc", "--silent-after", "10");
        using var tmux = Tmux.Start(tui.Command, 100, 30);
        tmux.WaitFor(s => s.Contains("GREEN · OK") && s.Contains("STRATEGY-OWNED"), Wait, "the dashboard, green");

        tmux.Type("o");
        tmux.WaitFor(s => s.Contains("ORDER TICKET") && s.Contains("◂ XYZ ▸"), Wait, "the order ticket on the underlying");
        tmux.Key("Down");
        tmux.Key("Down");
        tmux.Type("10");
        tmux.WaitFor(s => s.Contains("Enter: BUY 10 XYZ MKT"), Wait, "the ticket's order line");
        tmux.Key("Enter");
        var review = tmux.WaitFor(s => s.Contains("CONFIRM ORDER — PAPER") && s.Contains("y: send it"), Wait, "the whole order review");
        Assert.Contains("BUY 10 XYZ MKT", review);
        Assert.Contains("fat-finger ceiling per order: 10,000 qty, 1,000,000 notional", review);
        tmux.Type("y");

        var done = tmux.WaitFor(s => s.Contains("batch: "), Wait, "the run's batch status");
        Assert.Contains("batch: done", done);

        using (var reader = StoreReader.Open(daemon.StorePath))
        {
            var control = Assert.Single(reader.ListControlCommands(), c => c.Command == ControlCommandKind.ManualOrder);
            Assert.Equal(ControlStatus.Done, control.Status);
            Assert.EndsWith("/tui", control.RequestedBy);
            var run = reader.FindControlRun(control.Id);
            Assert.NotNull(run);
            Assert.Contains($"run {run}", done);
            var order = Assert.Single(reader.GetOrdersForRun(run!));
            Assert.Equal((TradeSide.Buy, 10.0, 10.0), (order.Side, order.Qty, order.Filled));
            Assert.Equal(10, reader.GetFillsForRun(run!).Sum(f => f.Qty));
            // The broker saw exactly this order from the run.
            Assert.Single(daemon.LedgerOrderRefs(), r => r == order.OrderRef);
        }

        tmux.Key("Escape");
        tmux.WaitFor(s => s.Contains("[1 Dashboard]"), Wait, "the dashboard after leaving the ticket");
        tmux.Type("s");
        tmux.WaitFor(s => s.Contains("CONFIRM: Stop the daemon"), Wait, "the stop confirmation");
        tmux.Type("y");
        daemon.AssertStopped(Wait);
        tmux.Type("q");
        tmux.WaitFor(s => s.Contains("Quit the console?"), Wait, "the quit question");
        tmux.Type("y");
        tmux.WaitUntilExited(TimeSpan.FromSeconds(20));
    }
}
