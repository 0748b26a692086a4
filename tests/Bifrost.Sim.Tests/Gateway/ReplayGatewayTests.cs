using Bifrost.Ib.Client;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;
using Bifrost.Sim.Gateway;
using Bifrost.Sim.Ticks;
using static Bifrost.Sim.Tests.Gateway.GatewayHarness;

namespace Bifrost.Sim.Tests.Gateway;

/// <summary>The replay gateway driven by Bifrost.Ib's IbClient over loopback (ephemeral ports, step-mode clock).</summary>
public class ReplayGatewayTests
{
    [Fact]
    public async Task Connect_StartBurst_DuAccountNextValidIdAndFarmStatus()
    {
        await using var gw = await Start();
        var (client, events) = await Connect(gw, 7);
        await using var _ = client;
        Assert.Equal(193, client.ServerVersion);
        Assert.StartsWith("DU", Assert.Single(client.ManagedAccounts));
        Assert.Equal(1, client.NextOrderId());
        foreach (var code in new[] { 2104, 2106, 2158 }) await events.Wait<IbError>(e => e.Code == code && e.Id == -1);
        await client.ReqCurrentTimeAsync();
        var time = await events.Wait<IbCurrentTime>();
        Assert.Equal(gw.NowNanos / 1_000_000_000, time.EpochSeconds);
    }

    [Fact]
    public async Task DuplicateClientId_Gets326AndSocketCloses_OtherIdsConnect()
    {
        await using var gw = await Start();
        var (first, _) = await Connect(gw, 5);
        await using var a = first;
        var ex = await Assert.ThrowsAsync<IbConnectException>(() => Connect(gw, 5));
        Assert.Contains("326", ex.Message + ex.InnerException?.Message);
        var (other, _) = await Connect(gw, 6);
        await using var b = other;
        Assert.Equal([5, 6], gw.ConnectedClientIds);
    }

    [Fact]
    public async Task StockMarketData_SnapshotAfterSubscribe_ThenChangesAsTheClockSteps()
    {
        await using var gw = await Start();
        await Warm(gw);
        var (client, events) = await Connect(gw, 1);
        await using var _ = client;
        var tickerId = await client.ReqMktDataAsync(Stock);
        await events.Wait<IbTickReqParams>(t => t.TickerId == tickerId);
        Assert.Equal(1, (await events.Wait<IbMarketDataType>(t => t.ReqId == tickerId)).MarketDataType);
        var bid = await events.Wait<IbTickPrice>(t => t.TickerId == tickerId && t.TickType == 1);
        var ask = await events.Wait<IbTickPrice>(t => t.TickerId == tickerId && t.TickType == 2);
        await events.Wait<IbTickSize>(t => t.TickerId == tickerId && t.TickType == 0);
        await events.Wait<IbTickSize>(t => t.TickerId == tickerId && t.TickType == 3);
        Assert.True(bid.Price > 50 && ask.Price > bid.Price);
        var before = events.OfType<IbTickPrice>().Count;
        await gw.AdvanceAsync(TimeSpan.FromSeconds(60));
        await events.Until(all => all.OfType<IbTickPrice>().Count() > before);
        Assert.DoesNotContain(events.All, e => e is IbTickOptionComputation);
    }

    [Fact]
    public async Task OptionMarketData_TickOptionComputationFromBlackScholes()
    {
        await using var gw = await Start();
        await Warm(gw);
        var (client, events) = await Connect(gw, 1);
        await using var _ = client;
        var stockId = await client.ReqMktDataAsync(Stock);
        var callId = await client.ReqMktDataAsync(Option(gw, 'C', 100));
        var putId = await client.ReqMktDataAsync(Option(gw, 'P', 100));
        await gw.AdvanceAsync(TimeSpan.FromSeconds(120));
        var call = await events.Wait<IbTickOptionComputation>(t => t.TickerId == callId && t.TickType == 13 && t.Delta is not null);
        var put = await events.Wait<IbTickOptionComputation>(t => t.TickerId == putId && t.TickType == 13 && t.Delta is not null);
        Assert.InRange(call.Delta!.Value, 0.05, 0.95);
        Assert.InRange(put.Delta!.Value, -0.95, -0.05);
        Assert.InRange(call.ImpliedVol!.Value, 0.05, 2);
        Assert.True(call.Gamma > 0 && call.Vega > 0 && call.Theta < 0);
        Assert.InRange(call.UndPrice!.Value, 50, 150);
        await events.Wait<IbTickOptionComputation>(t => t.TickerId == callId && t.TickType == 10);
        await events.Wait<IbTickOptionComputation>(t => t.TickerId == callId && t.TickType == 11);
        Assert.DoesNotContain(events.All, e => e is IbTickOptionComputation o && o.TickerId == stockId);
    }

    [Fact]
    public async Task UnknownContract_Error200_ContractDetailsCarryTheConId()
    {
        await using var gw = await Start();
        var (client, events) = await Connect(gw, 1);
        await using var _ = client;
        var bad = await client.ReqMktDataAsync(IbContract.Stock("NOPE"));
        await events.Wait<IbError>(e => e.Id == bad && e.Code == 200);
        var reqId = await client.ReqContractDetailsAsync(Option(gw, 'C', 105));
        var data = await events.Wait<IbContractData>(d => d.ReqId == reqId);
        await events.Wait<IbContractDataEnd>(d => d.ReqId == reqId);
        var key = gw.Contracts.All[data.Details.Contract.ConId];
        Assert.Equal(('C', 105.0, "OPT"), (key.Right, key.Strike, data.Details.Contract.SecType));
        Assert.Equal(ContractKey.Stock("XYZ").ConId, data.Details.UnderConId);
        var chain = await client.ReqContractDetailsAsync(new IbContract { Symbol = "XYZ", SecType = "OPT" });
        await events.Wait<IbContractDataEnd>(d => d.ReqId == chain);
        Assert.Equal(6, events.OfType<IbContractData>(d => d.ReqId == chain).Count);
        var none = await client.ReqContractDetailsAsync(IbContract.Stock("NOPE"));
        await events.Wait<IbError>(e => e.Id == none && e.Code == 200);
    }

    [Fact]
    public async Task MarketOrder_OpenOrderStatusExecDetailsCommission_InReferenceOrder_AndLedgered()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 3);
        await using var _ = client;
        var orderId = await client.PlaceOrderAsync(Stock, IbOrder.Market("BUY", 100, "oi_run1_1"));
        await events.Wait<IbOrderStatus>(s => s.OrderId == orderId && s.Status == "Submitted");
        await gw.AdvanceAsync(TimeSpan.FromSeconds(5));
        var report = await events.Wait<IbCommissionReport>();
        var sequence = events.All.Where(e => e is IbOpenOrder or IbOrderStatus or IbExecDetails or IbCommissionReport)
            .Select(e => e switch
            {
                IbOpenOrder o => "open:" + o.State.Status,
                IbOrderStatus s => "status:" + s.Status,
                IbExecDetails => "exec",
                _ => "commission",
            }).ToList();
        Assert.Equal(["open:Submitted", "status:Submitted", "exec", "open:Filled", "status:Filled", "commission"], sequence);
        var exec = events.OfType<IbExecDetails>().Single();
        Assert.Equal((-1, orderId, "BOT", 100m, "oi_run1_1", 3), (exec.ReqId, exec.Execution.OrderId, exec.Execution.Side, exec.Execution.Shares!.Value, exec.Execution.OrderRef, exec.Execution.ClientId));
        Assert.True(exec.Execution.PermId > int.MaxValue);
        Assert.Equal(exec.Execution.ExecId, report.ExecId);
        Assert.Equal(1.0, report.Commission); // IB fixed: 100 × $0.005 → the $1 minimum
        var filled = events.OfType<IbOrderStatus>().Last();
        Assert.Equal((0m, exec.Execution.Price), (filled.Remaining!.Value, filled.AvgFillPrice));

        var entries = GatewayLedger.Read(ledger);
        Assert.Equal(["order", "fill", "commission"], entries.Select(e => e.Type));
        Assert.Equal(exec.Execution.ExecId, entries[1].ExecId);
        Assert.Equal(("oi_run1_1", 100, exec.Execution.Price), (entries[1].OrderRef, entries[1].Quantity, entries[1].Price));
        Assert.Equal(1.0, entries[2].Commission);
    }

    [Fact]
    public async Task LimitOrderFarFromTheMarket_Rests_ThenCancelGivesCancelledAnd202()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 3);
        await using var _ = client;
        var orderId = await client.PlaceOrderAsync(Stock, IbOrder.Limit("BUY", 10, 1.00, "oi_run1_2"));
        await events.Wait<IbOrderStatus>(s => s.OrderId == orderId && s.Status == "Submitted");
        await gw.AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(events.OfType<IbExecDetails>());
        await client.CancelOrderAsync(orderId);
        await events.Wait<IbOrderStatus>(s => s.OrderId == orderId && s.Status == "Cancelled");
        await events.Wait<IbError>(e => e.Id == orderId && e.Code == 202);
        await client.CancelOrderAsync(orderId);
        await events.Wait<IbError>(e => e.Id == orderId && e.Code == 10148);
        Assert.Equal(["order", "cancel"], GatewayLedger.Read(ledger).Select(e => e.Type));
    }

    [Fact]
    public async Task InvalidOrders_RejectedWithTwsCodes()
    {
        await using var gw = await Start();
        await Warm(gw);
        var (client, events) = await Connect(gw, 3);
        await using var _ = client;
        var unknown = await client.PlaceOrderAsync(IbContract.Stock("NOPE"), IbOrder.Market("BUY", 1));
        await events.Wait<IbError>(e => e.Id == unknown && e.Code == 200);
        var badTick = await client.PlaceOrderAsync(Stock, IbOrder.Limit("BUY", 1, 10.005));
        await events.Wait<IbError>(e => e.Id == badTick && e.Code == 110);
        var stop = await client.PlaceOrderAsync(Stock, new IbOrder { Action = "BUY", TotalQuantity = 1, OrderType = "STP", AuxPrice = 1 });
        await events.Wait<IbError>(e => e.Id == stop && e.Code == 201);
        var zero = await client.PlaceOrderAsync(Stock, IbOrder.Market("BUY", 0));
        await events.Wait<IbError>(e => e.Id == zero && e.Code == 201);
        await client.PlaceOrderAsync(Stock, IbOrder.Market("BUY", 1), orderId: 1); // below the high-water mark
        await events.Wait<IbError>(e => e.Id == 1 && e.Code == 103);
        await client.ReqIdsAsync();
        Assert.Equal(zero + 1, (await events.Wait<IbNextValidId>(n => n.OrderId > 1)).OrderId);
    }

    [Fact]
    public async Task SharedAccount_ExternalTradeVisibleInPositions_ReconciliationMatchesLedger()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger, seeds: [new SeedPosition("XYZ", 200, 99.5)]);
        await Warm(gw);
        var (bifrost, ev) = await Connect(gw, 1);
        await using var a = bifrost;
        var (manual, manualEv) = await Connect(gw, 99);
        await using var b = manual;
        var call = Option(gw, 'C', 100);
        // A standing account summary subscription (the daemon's buying power) hears the cash every fill changes.
        var cashId = await bifrost.ReqAccountSummaryAsync("TotalCashValue");
        await ev.Wait<IbAccountSummaryEnd>(e => e.ReqId == cashId);
        var cashBefore = ev.All.OfType<IbAccountSummary>().Single(v => v.ReqId == cashId).Value;
        var mine = await bifrost.PlaceOrderAsync(Stock, IbOrder.Market("SELL", 100, "oi_r_1"));
        var resting = await bifrost.PlaceOrderAsync(Stock, IbOrder.Limit("SELL", 5, 999.00, "oi_r_2"));
        var theirs = await manual.PlaceOrderAsync(call, IbOrder.Market("BUY", 2, "manual"));
        await ev.Wait<IbOrderStatus>(s => s.OrderId == resting);
        await manualEv.Wait<IbOrderStatus>(s => s.OrderId == theirs);
        for (var i = 0; i < 40 && GatewayLedger.Read(ledger).Count(e => e.Type == "fill" && e.ClientId == 99) == 0; i++)
            await gw.AdvanceAsync(TimeSpan.FromSeconds(30));
        await ev.Wait<IbCommissionReport>();
        await manualEv.Wait<IbOrderStatus>(s => s.OrderId == theirs && s.Status == "Filled", timeoutMs: 2000);

        var cashAfter = ev.All.OfType<IbAccountSummary>().Where(v => v.ReqId == cashId).Select(v => v.Value).ToList();
        Assert.True(cashAfter.Count >= 2 && cashAfter[^1] != cashBefore, $"the subscription's cash after the fills: {string.Join(", ", cashAfter)}");
        await bifrost.CancelAccountSummaryAsync(cashId);

        var start = ev.Count;
        await bifrost.ReqPositionsAsync();
        await ev.Wait<IbPositionEnd>(from: start);
        var positions = ev.All.Skip(start).OfType<IbPosition>().ToDictionary(p => p.Contract.ConId);
        var ledgerFills = GatewayLedger.Read(ledger).Where(e => e.Type == "fill").ToList();
        Assert.Equal(200 - 100, positions[ContractKey.Stock("XYZ").ConId].Position);
        var callConId = gw.Contracts.Match(call).Single();
        Assert.Equal(2m, positions[callConId].Position); // the manual client's trade, visible to Bifrost
        Assert.Equal(ledgerFills.Where(f => f.ConId == callConId).Sum(f => f.Quantity), (int)positions[callConId].Position!.Value);

        start = ev.Count;
        await bifrost.ReqOpenOrdersAsync();
        await ev.Wait<IbOpenOrderEnd>(from: start);
        Assert.Equal([resting], ev.All.Skip(start).OfType<IbOpenOrder>().Select(o => o.OrderId));
        start = ev.Count;
        await bifrost.ReqAllOpenOrdersAsync();
        await ev.Wait<IbOpenOrderEnd>(from: start);
        Assert.Equal([resting], ev.All.Skip(start).OfType<IbOpenOrder>().Select(o => o.OrderId)); // the manual MKT is done

        start = ev.Count;
        await bifrost.ReqExecutionsAsync(new IbExecutionFilter());
        var reqEnd = await ev.Wait<IbExecDetailsEnd>(from: start);
        var execs = ev.All.Skip(start).OfType<IbExecDetails>().Where(e => e.ReqId == reqEnd.ReqId).ToList();
        Assert.Equal(ledgerFills.Select(f => f.ExecId).Order(), execs.Select(e => e.Execution.ExecId).Order());
        Assert.Contains(execs, e => e.Execution.ClientId == 99 && e.Execution.OrderRef == "manual");
        Assert.Equal(execs.Count, ev.All.Skip(start).OfType<IbCommissionReport>().Count());

        start = ev.Count;
        await bifrost.ReqExecutionsAsync(new IbExecutionFilter { ClientId = 1, Symbol = "XYZ", SecType = "STK" });
        await ev.Wait<IbExecDetailsEnd>(from: start);
        Assert.All(ev.All.Skip(start).OfType<IbExecDetails>(), e => Assert.Equal((1, mine), (e.Execution.ClientId, e.Execution.OrderId)));

        start = ev.Count;
        var summaryId = await bifrost.ReqAccountSummaryAsync("NetLiquidation,TotalCashValue,AccountType");
        await ev.Wait<IbAccountSummaryEnd>(e => e.ReqId == summaryId, from: start);
        Assert.Equal(3, ev.All.Skip(start).OfType<IbAccountSummary>().Count());
        start = ev.Count;
        await bifrost.ReqAccountUpdatesAsync(true, gw.Account);
        await ev.Wait<IbAccountDownloadEnd>(from: start);
        Assert.Equal(positions.Count, ev.All.Skip(start).OfType<IbUpdatePortfolio>().Count());
        Assert.Contains(ev.All.Skip(start).OfType<IbUpdateAccountValue>(), v => v.Key == "NetLiquidation");
        await ev.Wait<IbUpdateAccountTime>(from: start);
    }

    [Fact]
    public async Task ControlChannel_StepsAndInjectsOverTcp()
    {
        await using var gw = await Start(controlPort: 0);
        var (client, events) = await Connect(gw, 1);
        await using var _ = client;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", gw.ControlPort!.Value);
        var stream = tcp.GetStream();
        using var reader = new StreamReader(stream);
        await using var writer = new StreamWriter(stream) { AutoFlush = true, NewLine = "\n" };
        await writer.WriteLineAsync("step 10");
        Assert.StartsWith("ok stepped 10", await reader.ReadLineAsync());
        Assert.Equal(10, gw.TicksReplayed);
        await writer.WriteLineAsync("send 2103");
        Assert.StartsWith("ok applied", await reader.ReadLineAsync());
        await events.Wait<IbError>(e => e.Code == 2103);
        await writer.WriteLineAsync("bogus");
        Assert.StartsWith("error", await reader.ReadLineAsync());
    }
}
