using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.Records;

namespace Bifrost.Daemon.Tests.Control;

public class ControlArgsTests
{
    private static readonly Config Cfg = ConfigLoader.Parse(TestConfig.Json(port: 1, storePath: "x.db", conIds: true), new Hashtable()).Preview;
    private static readonly ContractTable Contracts = ContractTable.From(Cfg);

    private static EventPayload Parse(ControlCommandKind kind, string args) =>
        ControlArgs.Parse(new ControlCommand(42, 0, kind, args, "ops@tui", ControlStatus.Taken, null, null, null), Cfg, Contracts);

    [Theory]
    [InlineData(ControlCommandKind.Stop, "stop")]
    [InlineData(ControlCommandKind.Pause, "pause")]
    [InlineData(ControlCommandKind.Resume, "resume")]
    [InlineData(ControlCommandKind.Flatten, "flatten")]
    [InlineData(ControlCommandKind.SelfCheck, "self_check")]
    public void Controls_CarryIdAndRequester(ControlCommandKind kind, string name)
    {
        var e = (EventPayload.ControlRequested)Parse(kind, "{}");
        Assert.Equal(name, ControlModule.name(e.Item1));
        Assert.Equal((42L, "ops@tui (os user unknown)"), (e.Item2.ControlId, e.Item2.RequestedBy));
    }

    [Fact]
    public void ManualOrder_ByContractTextOrConId()
    {
        var m = ((EventPayload.ManualOrderRequested)Parse(ControlCommandKind.ManualOrder,
            """{"contract":"XYZ 20260320  C 100","side":"buy","quantity":2,"type":"lmt","limit":2.5,"risk_bypass":true}""")).Item;
        Assert.Equal(TestConfig.CallId, ContractIdModule.value(m.ContractId));
        Assert.True(m.Side.IsBuy);
        Assert.Equal(2.5, ((OrderType.Limit)m.Type).limit);
        Assert.True(m.RiskBypass);
        Assert.Equal("t1-man42", m.RunId);
        var byId = ((EventPayload.ManualOrderRequested)Parse(ControlCommandKind.ManualOrder,
            $$"""{"con_id":{{TestConfig.StockId}},"side":"sell","quantity":100}""")).Item;
        Assert.True(byId.Type.IsMarket);
        Assert.False(byId.Side.IsBuy);
    }

    [Fact]
    public void Rebalance_Targets()
    {
        var r = ((EventPayload.RebalanceRequested)Parse(ControlCommandKind.Rebalance,
            """{"targets":[{"contract":"XYZ","quantity":-50},{"contract":"XYZ 20260320 P 100","quantity":0}]}""")).Item;
        Assert.Equal([(TestConfig.StockId, -50), (TestConfig.PutId, 0)], r.Targets.Select(t => (ContractIdModule.value(t.Item1), t.Item2)));
    }

    [Fact]
    public void ConfirmBook_TakesTheUnderlyingBesideTheLegs()
    {
        // After ORDER_OUTCOME_UNKNOWN: the hedge that filled unseen is booked as the strategy's, without a trade.
        var c = ((EventPayload.BookConfirmRequested)Parse(ControlCommandKind.ConfirmBook,
            """{"legs":[{"contract":"XYZ","quantity":-73},{"contract":"XYZ 20260320 C 100","quantity":10}]}""")).Item;
        Assert.Equal([(TestConfig.StockId, -73), (TestConfig.CallId, 10)], c.Legs.Select(t => (ContractIdModule.value(t.Item1), t.Item2)));
    }

    [Theory]
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"ABC\",\"side\":\"buy\",\"quantity\":1}", "not in the configured universe")]
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"side\":\"hold\",\"quantity\":1}", "side")]
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"side\":\"buy\",\"quantity\":0}", "quantity")]
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"side\":\"buy\",\"quantity\":1,\"type\":\"lmt\"}", "limit")]
    [InlineData(ControlCommandKind.ManualOrder, "[1]", "object")]
    [InlineData(ControlCommandKind.Rebalance, "{}", "targets")]
    [InlineData(ControlCommandKind.Rebalance, "{\"targets\":[{\"con_id\":5}]}", "con_id 5")]
    // Each target is sized from the same position: the same contract twice would trade the sum of both.
    [InlineData(ControlCommandKind.Rebalance, "{\"targets\":[{\"contract\":\"XYZ\",\"quantity\":-55},{\"contract\":\"XYZ\",\"quantity\":-60}]}", "targets[1]: XYZ given twice")]
    // A repeated key: JsonElement keeps the last silently, so a manual order for 10 became one for 1000.
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"side\":\"buy\",\"quantity\":10,\"quantity\":1000}", "quantity: given twice")]
    [InlineData(ControlCommandKind.Rebalance, "{\"targets\":[{\"contract\":\"XYZ\",\"quantity\":0,\"quantity\":-500}]}", "targets[0].quantity: given twice")]
    // A limit without its type was sent at market, the price the operator meant to cap ignored.
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"side\":\"buy\",\"quantity\":10,\"limit\":90}", "limit: given without \"type\": \"lmt\"")]
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"side\":\"buy\",\"quantity\":10,\"type\":\"mkt\",\"limit\":90}", "limit: a mkt order takes no limit")]
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"side\":\"buy\",\"quantity\":10,\"type\":1,\"limit\":90}", "type: expected a string")]
    // An unknown key is a question the engine would not answer: refused, never ignored.
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"side\":\"buy\",\"quantity\":10,\"tif\":\"ioc\"}", "tif: unknown key")]
    [InlineData(ControlCommandKind.Rebalance, "{\"targets\":[{\"contract\":\"XYZ\",\"quantity\":0}],\"dry_run\":true}", "dry_run: unknown key")]
    [InlineData(ControlCommandKind.Rebalance, "{\"targets\":[{\"contract\":\"XYZ\",\"qty\":5,\"quantity\":0}]}", "targets[0].qty: unknown key")]
    [InlineData(ControlCommandKind.Rebalance, "{\"targets\":[5]}", "targets[0]: expected an object")]
    [InlineData(ControlCommandKind.ConfirmBook, "{\"legs\":[{\"contract\":\"XYZ\",\"quantity\":-73,\"note\":\"x\"}]}", "legs[0].note: unknown key")]
    [InlineData(ControlCommandKind.Cancel, "{\"run_id\":\"t1-man3\",\"force\":true}", "force: unknown key")]
    // A flag that is not a boolean was read as false; a fractional quantity as missing.
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"side\":\"buy\",\"quantity\":10,\"risk_bypass\":\"true\"}", "risk_bypass: expected true or false")]
    [InlineData(ControlCommandKind.Rebalance, "{\"targets\":[{\"contract\":\"XYZ\",\"quantity\":0}],\"risk_bypass\":1}", "risk_bypass: expected true or false")]
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"side\":\"buy\",\"quantity\":10.5}", "quantity: expected a whole number, got 10.5")]
    [InlineData(ControlCommandKind.Rebalance, "{\"targets\":[{\"contract\":\"XYZ\",\"quantity\":\"-55\"}]}", "targets[0].quantity: expected a whole number")]
    // Both names of a contract, disagreeing, would have one win silently.
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\",\"con_id\":5,\"side\":\"buy\",\"quantity\":10}", "give one, not both")]
    // A lone surrogate escape (a row written by other means): refused by name, not an InvalidOperationException.
    [InlineData(ControlCommandKind.ManualOrder, "{\"contract\":\"XYZ\\ud800\",\"side\":\"buy\",\"quantity\":1}", "contract: is not valid text")]
    public void BadArguments_AreRefusedWithTheReason(ControlCommandKind kind, string args, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => Parse(kind, args)).Message);
}
