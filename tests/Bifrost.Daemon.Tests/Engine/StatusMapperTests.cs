using System.Collections;
using System.Text.Json;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Microsoft.FSharp.Collections;

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
    public void ConfigSummary_NamesThePortfolioStocks_TheConsoleConfirmsAndNamesThem()
    {
        var portfolio = new Dictionary<string, ContractId> { ["AAA"] = ContractIdModule.create(3001).ResultValue };
        var json = JsonDocument.Parse(StatusMapper.ConfigSummary(Cfg, "127.0.0.1", 7497, 17, "broker", portfolio)).RootElement;
        var stock = Assert.Single(json.GetProperty("portfolio").EnumerateArray().ToList());
        Assert.Equal(("AAA", 3001), (stock.GetProperty("symbol").GetString(), stock.GetProperty("con_id").GetInt32()));
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(StatusMapper.ConfigSummary(Cfg, "127.0.0.1", 7497, 17, "broker")).RootElement.GetProperty("portfolio").ValueKind);
    }

    [Fact]
    public void Map_CarriesTheAccountValuesTheBrokerReported()
    {
        var t = Timestamp.NewTimestamp(1_772_461_800_000_000_000);
        var state = StateModule.initial(Cfg);
        foreach (var (tag, value) in new[] { ("NetLiquidation", 1_012_345.67), ("TotalCashValue", 990_000.0) })
            state = Reducer.step(Cfg, state, EventModule.at(t, EventPayload.NewAccountValueReported(tag, value, "USD"))).Item1;
        var mapper = new StatusMapper(Cfg, ContractTable.From(Cfg), "{}");

        var row = mapper.Map(Emit.snapshot(Cfg, state), state, 0);

        Assert.Equal(1_012_345.67, row.AccountValues["NetLiquidation"]);
        Assert.Equal(990_000.0, row.AccountValues["TotalCashValue"]);
    }

    /// <summary>The console's risk limits name the P&amp;L limits the clock halts on, not only the day's loss: a book near
    /// its MAX_DRAWDOWN halt looked far from every limit.</summary>
    [Fact]
    public void Map_ShowsTheDrawdownUsage_BesideTheDaysLoss()
    {
        var t = 1_772_461_800_000_000_000L;
        var state = StateModule.initial(Cfg);
        var mapper = new StatusMapper(Cfg, ContractTable.From(Cfg), "{}");
        foreach (var p in EngineInputs.StartedAndReconciled().Concat(EngineInputs.QuotedOutsideTheBand()))
            state = Reducer.step(Cfg, state, EventModule.at(Timestamp.NewTimestamp(t += 50_000_000), p)).Item1;

        var row = mapper.Map(Emit.snapshot(Cfg, state), state, 0);

        var drawdown = Assert.Single(row.Limits, l => l.Name == "max_drawdown");
        Assert.Equal(Cfg.Risk.MaxDrawdown, drawdown.Limit);
        Assert.Equal(0.0, drawdown.Value, 6);
    }

    /// <summary>
    /// The hedger keeps a rebalance's stock as a tilt of its target: the light judges delta against target + tilt. The
    /// status row's band was centred on the configured target alone, so the console drew a GREEN book outside its band
    /// (and its resume text promised a hedge the engine would not send).
    /// </summary>
    [Fact]
    public void Map_CentresTheBandOnTheTargetTheHedgerKeeps_ARebalanceTiltIncluded()
    {
        var t = 1_772_461_800_000_000_000L;
        var state = StateModule.initial(Cfg);
        var placed = new List<OrderRequest>();
        void Step(EventPayload p)
        {
            t += 50_000_000;
            var (next, cmds) = Reducer.step(Cfg, state, EventModule.at(Timestamp.NewTimestamp(t), p));
            state = next;
            placed.AddRange(cmds.OfType<Command.PlaceOrder>().Select(c => c.Item));
        }
        void FillAll()
        {
            var orders = placed.ToList();
            placed.Clear();
            foreach (var o in orders)
                Step(EventPayload.NewExecutionReported(new ExecutionReport(ExecIdModule.create($"x{o.IbOrderId}").ResultValue, o.IbOrderId, 1000L + o.IbOrderId, 17,
                    OrderRefModule.value(o.Ref), o.ContractId, o.Side, o.Quantity, 100.5)));
        }
        foreach (var p in EngineInputs.StartedAndReconciled().Concat(EngineInputs.QuotedOutsideTheBand())) Step(p);
        FillAll();
        var stock = EngineInputs.Id(TestConfig.StockId);
        var target = PortfolioModule.strategyQty(stock, state.Portfolio) + 300;
        Step(EventPayload.NewRebalanceRequested(new Rebalance($"{Cfg.RunId}-reb1", ListModule.OfSeq([Tuple.Create(stock, target)]), false, new ControlMeta(5, "test"))));
        Assert.Single(placed);
        FillAll();
        Assert.Equal(300.0, state.TargetTilt);

        var row = new StatusMapper(Cfg, ContractTable.From(Cfg), "{}").Map(Emit.snapshot(Cfg, state), state, 0);

        Assert.NotNull(row.Band);
        Assert.Equal(StateModule.targetDelta(Cfg, state), row.Band.Target);
        Assert.Equal(row.Band.Target, (row.Band.Lower + row.Band.Upper) / 2, 6);
    }
}
