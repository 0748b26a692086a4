using System.Collections;
using System.Text.Json;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>What the status row tells the console: the configured contracts and control settings, the account values.</summary>
public sealed class StatusMapperTests
{
    private static readonly Config Cfg = ConfigLoader.Parse(TestConfig.Json(1, "/tmp/unused.db", conIds: true), new Hashtable()).Preview;

    [Fact]
    public void ConfigSummary_NamesTheContractsAndTheFatFingerCeiling()
    {
        var json = JsonDocument.Parse(StatusMapper.ConfigSummary(Cfg, "127.0.0.1", 7497, 17, "broker")).RootElement;
        var control = json.GetProperty("control");
        Assert.Equal(Cfg.Control.MaxManualQuantity, control.GetProperty("max_manual_quantity").GetInt32());
        Assert.Equal(Cfg.Control.MaxManualNotional, control.GetProperty("max_manual_notional").GetDouble());
        Assert.Equal(Cfg.Control.LimitPriceBand, control.GetProperty("limit_price_band").GetDouble());
        Assert.Equal(ContractIdModule.value(Cfg.Strategy.Underlying.ContractId), json.GetProperty("underlying_con_id").GetInt32());
        var contracts = ContractTable.From(Cfg);
        foreach (var leg in json.GetProperty("legs").EnumerateArray())
        {
            var info = contracts.Find(leg.GetProperty("con_id").GetInt32())!;
            Assert.Equal(info.Description, leg.GetProperty("contract").GetString());
            Assert.Equal(info.Multiplier, leg.GetProperty("multiplier").GetInt32());
        }
    }

    [Fact]
    public void Map_CarriesTheAccountValuesTheBrokerReported()
    {
        var t = Timestamp.NewTimestamp(1_772_461_800_000_000_000);
        var state = StateModule.initial(Cfg);
        foreach (var (tag, value) in new[] { ("NetLiquidation", 1_012_345.67), ("TotalCashValue", 990_000.0) })
            state = Reducer.step(Cfg, state, EventModule.at(t, EventPayload.NewAccountValueReported(tag, value))).Item1;
        var mapper = new StatusMapper(Cfg, ContractTable.From(Cfg), "{}");

        var row = mapper.Map(Emit.snapshot(Cfg, state), state, 0);

        Assert.Equal(1_012_345.67, row.AccountValues["NetLiquidation"]);
        Assert.Equal(990_000.0, row.AccountValues["TotalCashValue"]);
    }
}
