using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.Records;

namespace Bifrost.Daemon.Tests.Control;

/// <summary><c>adjusts_strategy</c> on a manual order: who owns its fills.</summary>
public class ManualOwnershipArgsTests
{
    private static readonly Config Cfg = ConfigLoader.Parse(TestConfig.Json(port: 1, storePath: "x.db", conIds: true), new Hashtable()).Preview;
    private static readonly ContractTable Contracts = ContractTable.From(Cfg);

    private static EventPayload Parse(string args) =>
        ControlArgs.Parse(new ControlCommand(7, 0, ControlCommandKind.ManualOrder, args, "ops@tui", ControlStatus.Taken, null, null, null), Cfg, Contracts);

    [Fact]
    public void ManualOrder_WithoutAdjustsStrategy_IsTheOperatorsOwn()
    {
        var m = ((EventPayload.ManualOrderRequested)Parse("""{"contract":"XYZ","side":"buy","quantity":100}""")).Item;
        Assert.False(m.AdjustsStrategy);
    }

    [Fact]
    public void ManualOrder_WithAdjustsStrategyTrue_ChangesTheStrategysHoldings()
    {
        var m = ((EventPayload.ManualOrderRequested)Parse("""{"contract":"XYZ","side":"buy","quantity":100,"adjusts_strategy":true}""")).Item;
        Assert.True(m.AdjustsStrategy);
    }

    [Theory]
    [InlineData("\"yes\"")]
    [InlineData("1")]
    [InlineData("null")]
    public void ManualOrder_WithANonBooleanAdjustsStrategy_IsRefusedNamingTheKey(string value)
    {
        var e = Assert.Throws<FormatException>(() => Parse($$"""{"contract":"XYZ","side":"buy","quantity":100,"adjusts_strategy":{{value}}}"""));
        Assert.StartsWith("adjusts_strategy", e.Message, StringComparison.Ordinal);
    }
}
