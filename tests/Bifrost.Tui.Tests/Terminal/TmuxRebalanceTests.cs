using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Tests.Terminal;

/// <summary>
/// The rebalance form in a real terminal against the real daemon and the replay gateway: a target for the hedge 10
/// shares above the strategy's holding, the preview says BUY 10, y sends, the run ends with a batch status on screen
/// that matches the store; the orders it sent are the gateway ledger's.
/// </summary>
[Collection(RealDaemonCollection.Name)]
public sealed class TmuxRebalanceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public void Rebalance_InTmux_PreviewThenConfirm_BatchStatusMatchesTheStore()
    {
        using var daemon = new RealDaemon();
        daemon.Start();
        var tui = MonitorUnderTest.Built(daemon.StorePath, "--utc", "--silent-after", "10");
        using var tmux = Tmux.Start(tui.Command, 100, 30);
        tmux.WaitFor(s => s.Contains("GREEN · OK") && s.Contains("STRATEGY-OWNED"), Wait, "the dashboard, green");

        tmux.Type("b");
        tmux.WaitFor(s => s.Contains("REBALANCE") && s.Contains("strategy now"), Wait, "the rebalance form");
        // Hedging goes on while the operator types: read the holding, aim 10 above it, and accept what the preview says.
        double hedge;
        using (var reader = StoreReader.Open(daemon.StorePath))
            hedge = reader.GetStatus()!.Positions.Where(p => p.Owner == PositionOwner.Strategy && p.SecType == "STK").Sum(p => p.Quantity);
        var target = (int)hedge + 10;
        tmux.Type(target.ToString(System.Globalization.CultureInfo.InvariantCulture));
        tmux.Key("Enter");
        var preview = tmux.WaitFor(s => s.Contains("CONFIRM REBALANCE") && s.Contains("y: send it"), Wait, "the whole rebalance preview");
        Assert.Contains($"rebalance the strategy-owned book to XYZ = {target}", preview);
        Assert.Contains("y: send it", preview);
        tmux.Type("y");

        var end = tmux.WaitFor(s => s.Contains("batch: "), Wait, "the rebalance's batch status");
        using (var reader = StoreReader.Open(daemon.StorePath))
        {
            var control = Assert.Single(reader.ListControlCommands(), c => c.Command == ControlCommandKind.Rebalance);
            Assert.Contains(control.Status, new[] { ControlStatus.Done, ControlStatus.Refused });
            var run = reader.FindControlRun(control.Id);
            var orders = run is null ? [] : reader.GetOrdersForRun(run);
            var batch = control.Status == ControlStatus.Refused ? "failed"
                : orders.All(o => o.Filled >= o.Qty) ? "done" : orders.Any(o => o.Filled > 0) ? "partial" : "failed";
            Assert.Contains($"batch: {batch}", end);
            var ledger = daemon.LedgerOrderRefs();
            Assert.All(orders, o => Assert.Contains(o.OrderRef, ledger));
        }

        tmux.Key("Escape");
        // Wait for the dashboard: Esc followed at once by s reaches the console as Alt+s.
        tmux.WaitFor(s => s.Contains("[1 Dashboard]"), Wait, "the dashboard after leaving the form");
        tmux.Type("s");
        tmux.WaitFor(s => s.Contains("CONFIRM: Stop the daemon"), Wait, "the stop confirmation");
        tmux.Type("y");
        daemon.AssertStopped(Wait);
    }
}
