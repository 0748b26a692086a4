using Bifrost.Ib.Client;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;
using Bifrost.Sim.Gateway;
using Bifrost.Sim.Ticks;
using static Bifrost.Sim.Tests.Gateway.GatewayHarness;

namespace Bifrost.Sim.Tests.Gateway;

/// <summary>Every fault kind at least once, against IbClient.</summary>
public partial class FaultInjectionTests
{
    private static FaultAction Parse(string line) => FaultScript.ParseRule(line).Action;

    [Fact]
    public async Task DropConnection_ClientReconnectsWithSameId_OrdersAndIdsSurvive()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 4);
        var resting = await client.PlaceOrderAsync(Stock, IbOrder.Limit("BUY", 10, 1.00, "oi_d_1"));
        await events.Wait<IbOrderStatus>(s => s.OrderId == resting);
        await gw.InjectAsync(Parse("drop-connection 4"));
        var gone = await events.Wait<IbDisconnected>();
        Assert.False(gone.ByClient);
        await client.DisposeAsync();

        var (again, ev2) = await Connect(gw, 4);
        await using var _ = again;
        Assert.Equal(resting + 1, again.NextOrderId()); // never rolled back
        var pushed = await ev2.Wait<IbOpenOrder>(o => o.OrderId == resting); // open orders pushed at connect
        Assert.Equal("oi_d_1", pushed.Order.OrderRef);
        Assert.Single(GatewayLedger.Read(ledger), e => e.Type == "order");
    }

    [Fact]
    public async Task UpstreamLost_1100Then1101_DropsSubscriptions_1102KeepsThem()
    {
        await using var gw = await Start(ReplaySpeed.Times(600));
        var (client, events) = await Connect(gw, 1);
        await using var _ = client;
        var tickerId = await client.ReqMktDataAsync(Stock);
        await events.Wait<IbTickPrice>(t => t.TickerId == tickerId);

        await gw.InjectAsync(Parse("upstream-lost 1102 200"));
        await events.Wait<IbError>(e => e.Code == 1100);
        var restored = await events.Wait<IbError>(e => e.Code == 1102);
        var mark = events.Count;
        await events.Wait<IbTickPrice>(t => t.TickerId == tickerId, from: mark); // subscriptions kept

        await gw.InjectAsync(Parse("upstream-lost 1101 200"));
        await events.Wait<IbError>(e => e.Code == 1101);
        mark = events.Count;
        await Task.Delay(300);
        Assert.DoesNotContain(events.All.Skip(mark), e => e is IbTickPrice); // subscriptions dropped
        await client.ResubscribeMarketDataAsync();
        await events.Wait<IbTickPrice>(t => t.TickerId == tickerId, from: mark);
        Assert.True(restored.IsInformational || restored.Code == 1102);
    }

    [Fact]
    public async Task ServerBroken2110_PausesMarketData_UntilAFarmOk_WhichResumesItDroppingSubscriptions()
    {
        await using var gw = await Start(ReplaySpeed.Times(600));
        var (client, events) = await Connect(gw, 1);
        await using var _ = client;
        var tickerId = await client.ReqMktDataAsync(Stock);
        await events.Wait<IbTickPrice>(t => t.TickerId == tickerId);

        await gw.InjectAsync(Parse("send 2110"));
        await events.Wait<IbError>(e => e.Code == 2110);
        await Task.Delay(100); // ticks already on their way
        var mark = events.Count;
        await gw.InjectAsync(Parse("send 2106")); // an HMDS farm's OK is no word of the servers
        await events.Wait<IbError>(e => e.Code == 2106, from: mark);
        await Task.Delay(300);
        Assert.DoesNotContain(events.All.Skip(mark), e => e is IbTickPrice); // paused
        await gw.InjectAsync(Parse("send 2104"));
        await events.Wait<IbError>(e => e.Code == 2104, from: mark);
        mark = events.Count;
        await Task.Delay(300);
        Assert.DoesNotContain(events.All.Skip(mark), e => e is IbTickPrice); // resumed, subscriptions dropped
        await client.ResubscribeMarketDataAsync();
        await events.Wait<IbTickPrice>(t => t.TickerId == tickerId, from: mark);
    }

    [Fact]
    public async Task FarmStatusAndPacing_SentAsErrors()
    {
        await using var gw = await Start();
        var (client, events) = await Connect(gw, 1);
        await using var _ = client;
        foreach (var code in new[] { 2103, 2104, 2105, 2106, 162 }) await gw.InjectAsync(Parse($"send {code}"));
        foreach (var code in new[] { 2103, 2105, 2106, 162 }) await events.Wait<IbError>(e => e.Code == code && e.Id == -1);
        await gw.InjectAsync(Parse("pacing-violation 1 drop"));
        await events.Wait<IbError>(e => e.Code == 100);
        await events.Wait<IbDisconnected>();
    }

    [Fact]
    public async Task RealPacing_MoreThan50MessagesInASecond_Error100()
    {
        await using var gw = await Start();
        var events = new EventLog();
        var client = new IbClient(events, new IbClientOptions { PacingBurst = 200, PacingRatePerSecond = 1000 });
        await using var _ = client;
        await client.ConnectAsync("127.0.0.1", gw.Port, 8);
        for (var i = 0; i < 60; i++) await client.ReqCurrentTimeAsync();
        await events.Wait<IbError>(e => e.Code == 100);
    }

    [Fact]
    public async Task DuplicateReorderDelayedExecutionsAndLateCommissions()
    {
        await using var gw = await Start();
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;

        await gw.InjectAsync(Parse("duplicate-exec"));
        var dup = await FillMarket(gw, client, events, "dup");
        var dupExecs = events.OfType<IbExecDetails>(e => e.Execution.OrderId == dup);
        Assert.Equal(2, dupExecs.Count);
        Assert.Equal(dupExecs[0].Execution.ExecId, dupExecs[1].Execution.ExecId);

        await gw.InjectAsync(Parse("reorder-status"));
        var reordered = await FillMarket(gw, client, events, "reorder");
        var all = events.All;
        var statusAt = IndexOf(all, e => e is IbOrderStatus s && s.OrderId == reordered && s.Status == "Filled");
        var execAt = IndexOf(all, e => e is IbExecDetails x && x.Execution.OrderId == reordered);
        Assert.True(statusAt < execAt, "orderStatus Filled should precede execDetails");

        await gw.InjectAsync(Parse("delay-exec 300"));
        var delayed = await PlaceMarket(client, "delay");
        await events.Wait<IbOrderStatus>(s => s.OrderId == delayed);
        await gw.AdvanceAsync(TimeSpan.FromSeconds(5));
        await events.Wait<IbOrderStatus>(s => s.OrderId == delayed && s.Status == "Filled");
        Assert.Empty(events.OfType<IbExecDetails>(e => e.Execution.OrderId == delayed));
        var late = await events.Wait<IbExecDetails>(e => e.Execution.OrderId == delayed, timeoutMs: 10_000); // 300 ms late; a busy CI core can take seconds
        await events.Wait<IbCommissionReport>(c => c.ExecId == late.Execution.ExecId);

        // delay-commission: execDetails and the status now, the commissionReport alone later.
        await gw.InjectAsync(Parse("delay-commission 3000"));
        var cheap = await PlaceMarket(client, "late-fee");
        await events.Wait<IbOrderStatus>(s => s.OrderId == cheap);
        await gw.AdvanceAsync(TimeSpan.FromSeconds(5));
        var exec = await events.Wait<IbExecDetails>(e => e.Execution.OrderId == cheap);
        await events.Wait<IbOrderStatus>(s => s.OrderId == cheap && s.Status == "Filled");
        Assert.Empty(events.OfType<IbCommissionReport>(c => c.ExecId == exec.Execution.ExecId));
        await events.Wait<IbCommissionReport>(c => c.ExecId == exec.Execution.ExecId, timeoutMs: 10_000);
    }

    /// <summary>delay-positions: IB's position update lagging the execution — the live update comes late, while a
    /// reqPositions asked meanwhile answers with the account as it is.</summary>
    [Fact]
    public async Task DelayPositions_TheLiveUpdateComesLate_AReqPositionsMeanwhileAnswersTheAccountAsItIs()
    {
        await using var gw = await Start();
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        var stock = ContractKey.Stock("XYZ").ConId;
        await client.ReqPositionsAsync();
        await events.Wait<IbPositionEnd>();
        var before = events.OfType<IbPosition>(p => p.Contract.ConId == stock).Select(p => p.Position).LastOrDefault() ?? 0m;

        await gw.InjectAsync(Parse("delay-positions 4000"));
        await FillMarket(gw, client, events, "lagged");
        var streamed = events.Count;
        Assert.Equal(before, events.OfType<IbPosition>(p => p.Contract.ConId == stock).Select(p => p.Position).LastOrDefault() ?? 0m); // not come yet

        await client.ReqPositionsAsync();
        await events.Wait<IbPositionEnd>(from: streamed);
        Assert.Equal(before + 100, events.All.Skip(streamed).OfType<IbPosition>().Single(p => p.Contract.ConId == stock).Position);
        // The live update follows, late.
        var late = events.Count;
        await events.Wait<IbPosition>(p => p.Contract.ConId == stock, from: late, timeoutMs: 10_000);
    }

    [Fact]
    public async Task RejectNextOrder_201ThenTheFollowingOrderWorks()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        await gw.InjectAsync(Parse("reject-next-order"));
        var rejected = await PlaceMarket(client, "rej");
        await events.Wait<IbError>(e => e.Id == rejected && e.Code == 201);
        await events.Wait<IbOrderStatus>(s => s.OrderId == rejected && s.Status == "Cancelled");
        var ok = await FillMarket(gw, client, events, "ok");
        Assert.Equal(["reject", "order", "fill", "commission"], GatewayLedger.Read(ledger).Select(e => e.Type));
        Assert.True(ok > rejected);
    }

    [Fact]
    public async Task HoldNextOrder404_StaysPreSubmittedAndNeverFills_TheNextOrderIsFree_ReleaseFillsIt()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        await gw.InjectAsync(Parse("hold-next-order 404"));
        var held = await PlaceMarket(client, "held");
        var warning = await events.Wait<IbError>(e => e.Id == held && e.Code == 404);
        Assert.Equal("Order held while securities are located.", warning.Message);
        await events.Wait<IbOrderStatus>(s => s.OrderId == held && s.Status == "PreSubmitted");
        await events.Wait<IbOpenOrder>(o => o.OrderId == held && o.Order.OrderRef == "held");

        await gw.AdvanceAsync(TimeSpan.FromSeconds(120)); // two simulated minutes of quotes: a MKT order would have filled
        var free = await FillMarket(gw, client, events, "free"); // only the next order is held
        await RoundTrip(client, events);
        Assert.Empty(events.OfType<IbExecDetails>(e => e.Execution.OrderId == held));
        Assert.DoesNotContain(events.OfType<IbOrderStatus>(s => s.OrderId == held), s => s.Status != "PreSubmitted");
        Assert.Single(events.OfType<IbError>(e => e.Id == held)); // the 404 alone: no reject, no cancel
        Assert.Equal(["order", "order", "fill", "commission"], GatewayLedger.Read(ledger).Select(e => e.Type));

        await gw.InjectAsync(Parse("release-held"));
        await events.Wait<IbOrderStatus>(s => s.OrderId == held && s.Status == "Filled");
        var exec = await events.Wait<IbExecDetails>(e => e.Execution.OrderId == held);
        Assert.Equal(100, exec.Execution.Shares);
        Assert.Equal(["order", "order", "fill", "commission", "fill", "commission"], GatewayLedger.Read(ledger).Select(e => e.Type));
        Assert.Equal(200, (await gw.PositionsAsync())[gw.Contracts.Find("XYZ")!.Value].Qty);
        Assert.True(free > held);
    }

    [Fact]
    public async Task HeldOrder_SilentHold_IsCancelledAsAnyOrder_AndReleaseLeavesItCancelled()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        await gw.AddRuleAsync(FaultScript.ParseRule("hold-next-order"));
        var held = await PlaceMarket(client, "held");
        await events.Wait<IbOrderStatus>(s => s.OrderId == held && s.Status == "PreSubmitted");
        await gw.AdvanceAsync(TimeSpan.FromSeconds(60));
        await RoundTrip(client, events);
        Assert.Empty(events.OfType<IbError>(e => e.Id == held)); // a silent hold: no errMsg
        Assert.Empty(events.OfType<IbExecDetails>(e => e.Execution.OrderId == held));

        await client.CancelOrderAsync(held);
        await events.Wait<IbOrderStatus>(s => s.OrderId == held && s.Status == "Cancelled");
        await events.Wait<IbError>(e => e.Id == held && e.Code == 202);
        await gw.InjectAsync(Parse("release-held"));
        await gw.AdvanceAsync(TimeSpan.FromSeconds(60));
        await RoundTrip(client, events);
        Assert.Empty(events.OfType<IbExecDetails>(e => e.Execution.OrderId == held));
        Assert.Equal(["order", "cancel"], GatewayLedger.Read(ledger).Select(e => e.Type));
        Assert.Equal("ok applied release-held", await gw.ExecuteAsync("release-held")); // nothing held: a no-op
    }

    [Fact]
    public async Task ForgetExecutions_ReqExecutionsReportsNoneSoFar_PositionsAndLedgerKeepThem()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        var first = await FillMarket(gw, client, events, "f1");
        var second = await FillMarket(gw, client, events, "f2");
        Assert.Equal([first, second], await ExecutionsAsync(client, events));

        Assert.Equal("ok applied forget-executions", await gw.ExecuteAsync("forget-executions"));
        Assert.Empty(await ExecutionsAsync(client, events));
        Assert.Equal(200, (await gw.PositionsAsync())[gw.Contracts.Find("XYZ")!.Value].Qty);
        var mark = events.Count;
        await client.ReqOpenOrdersAsync();
        await events.Wait<IbOpenOrderEnd>(from: mark);
        Assert.Empty(events.All.Skip(mark).OfType<IbOpenOrder>()); // filled orders are not open

        var third = await FillMarket(gw, client, events, "f3"); // executions after the reset are reported as usual
        Assert.Equal([third], await ExecutionsAsync(client, events));
        Assert.Equal(3, GatewayLedger.Read(ledger).Count(e => e.Type == "fill"));
    }

    [Fact]
    public async Task LoseNextExecEnd_TheNextExecutionsAnswerHasNoEnd_TheOneAfterIsWhole()
    {
        await using var gw = await Start();
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        var first = await FillMarket(gw, client, events, "f1");
        Assert.Equal("ok applied lose-next-exec-end", await gw.ExecuteAsync("lose-next-exec-end"));
        var from = events.Count;
        var lost = await client.ReqExecutionsAsync();
        await events.Wait<IbExecDetails>(e => e.ReqId == lost, from: from); // the executions come, their end does not
        Assert.Equal([first], await ExecutionsAsync(client, events)); // the next request is answered whole
        Assert.DoesNotContain(events.All.Skip(from).OfType<IbExecDetailsEnd>(), e => e.ReqId == lost);
    }

    [Fact]
    public async Task LoseNextCurrentTime_TheNextTimeRequestIsNotAnswered_TheOneAfterIs()
    {
        await using var gw = await Start();
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        Assert.Equal("ok applied lose-next-current-time", await gw.ExecuteAsync("lose-next-current-time"));
        var from = events.Count;
        await client.ReqCurrentTimeAsync();
        await client.ReqCurrentTimeAsync();
        await events.Wait<IbCurrentTime>(_ => true, from: from);
        await Task.Delay(200); // a second answer would have come by now
        Assert.Single(events.All.Skip(from).OfType<IbCurrentTime>());
    }

    [Fact]
    public async Task Restart_DropsEveryone_AndRollsNextValidIdBack()
    {
        await using var gw = await Start();
        var (client, events) = await Connect(gw, 3);
        for (var i = 0; i < 5; i++) await client.PlaceOrderAsync(Stock, IbOrder.Limit("BUY", 1, 1.00, $"r{i}"));
        await events.Until(all => all.OfType<IbOrderStatus>().Select(s => s.OrderId).Distinct().Count() == 5);
        await gw.InjectAsync(Parse("restart 3"));
        await events.Wait<IbDisconnected>();
        await client.DisposeAsync();
        var (again, _) = await Connect(gw, 3);
        await using var a = again;
        Assert.Equal(6 - 3, again.NextOrderId());
    }

    [Fact]
    public async Task StopMarketData_ForOneContract_OthersKeepFlowing()
    {
        await using var gw = await Start();
        await Warm(gw);
        var (client, events) = await Connect(gw, 1);
        await using var _ = client;
        var stockId = await client.ReqMktDataAsync(Stock);
        var callId = await client.ReqMktDataAsync(Option(gw, 'C', 100));
        await events.Wait<IbMarketDataType>(m => m.ReqId == callId);
        await gw.InjectAsync(Parse("stop-market-data XYZ"));
        var mark = await RoundTrip(client, events); // everything queued before the fault has arrived

        await gw.AdvanceAsync(TimeSpan.FromSeconds(120));
        await events.Wait<IbTickPrice>(t => t.TickerId == callId, from: mark);
        Assert.DoesNotContain(events.All.Skip(mark), e => e is IbTickPrice t && t.TickerId == stockId);
        await gw.InjectAsync(Parse("resume-market-data XYZ"));
        await gw.AdvanceAsync(TimeSpan.FromSeconds(60));
        await events.Wait<IbTickPrice>(t => t.TickerId == stockId, from: mark);
    }

    [Fact]
    public async Task KillSubscription_TheTickerGoesQuiet_WithItsErrMsg_AndANewRequestIsServed()
    {
        await using var gw = await Start();
        await Warm(gw);
        var (client, events) = await Connect(gw, 1);
        await using var _ = client;
        var stockId = await client.ReqMktDataAsync(Stock);
        await events.Wait<IbTickPrice>(t => t.TickerId == stockId);
        await gw.InjectAsync(Parse("kill-subscription XYZ refuse 10197"));
        var refused = await events.Wait<IbError>(e => e.Id == stockId);
        Assert.Equal((10197, "No market data during competing live session"), (refused.Code, refused.Message));
        var mark = await RoundTrip(client, events);
        await gw.AdvanceAsync(TimeSpan.FromSeconds(120));
        var quiet = await RoundTrip(client, events);
        Assert.DoesNotContain(events.All.Skip(mark).Take(quiet - mark), e => e is IbTickPrice t && t.TickerId == stockId);
        // TWS serves a new request at once with the current quote.
        var again = await client.ReqMktDataAsync(Stock);
        await events.Wait<IbTickPrice>(t => t.TickerId == again, from: quiet);
        Assert.Equal(new FaultAction.KillSubscription("XYZ 20260320 C 100", null), Parse("kill-subscription XYZ 20260320 C 100"));
        Assert.Equal(new FaultAction.KillSubscription("XYZ 20260320 C 100", 354), Parse("kill-subscription XYZ 20260320 C 100 refuse 354"));
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("kill-subscription XYZ refuse"));
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("kill-subscription refuse 10197"));
    }

    [Fact]
    public async Task BadQuote_OneQuoteOffReachesTheClient_TheNextTickBringsThePriceBack()
    {
        await using var gw = await Start();
        await Warm(gw);
        var (client, events) = await Connect(gw, 1);
        await using var _ = client;
        var stockId = await client.ReqMktDataAsync(Stock);
        var first = await events.Wait<IbTickPrice>(t => t.TickerId == stockId && t.TickType == 1);
        var mark = await RoundTrip(client, events);
        await gw.InjectAsync(Parse("bad-quote XYZ -20"));
        var bad = await events.Wait<IbTickPrice>(t => t.TickerId == stockId && t.TickType == 1, from: mark);
        Assert.InRange(bad.Price / first.Price, 0.7, 0.9); // 20 % under the last bid (the replay moved a little since)
        var afterBad = await RoundTrip(client, events);
        await gw.AdvanceAsync(TimeSpan.FromSeconds(30));
        var back = await events.Wait<IbTickPrice>(t => t.TickerId == stockId && t.TickType == 1, from: afterBad);
        Assert.InRange(back.Price / first.Price, 0.95, 1.05);
        Assert.Equal(new FaultAction.BadQuote("XYZ 20260320 C 100", 12.5), Parse("bad-quote XYZ 20260320 C 100 12.5"));
        Assert.Equal(new FaultAction.BadQuote("XYZ 20260320 C 100", 100, Stay: true), Parse("bad-quote XYZ 20260320 C 100 100 stay"));
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("bad-quote XYZ"));
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("bad-quote XYZ -100"));
    }

    [Fact]
    public async Task ScriptTriggers_AfterOrdersAndTimeOfDay_FireOnce()
    {
        var script = TempFile("faults.txt");
        await File.WriteAllLinesAsync(script, ["# drop right after the second order", "after-orders 2 drop-connection", "at 09:31:00 send 2103", "at +90s send 2105"]);
        await using var gw = await Start(faults: FaultScript.Load(script));
        var (client, events) = await Connect(gw, 1);
        await gw.AdvanceAsync(TimeSpan.FromSeconds(70));
        await events.Wait<IbError>(e => e.Code == 2103);
        Assert.Empty(events.OfType<IbError>(e => e.Code == 2105));
        await gw.AdvanceAsync(TimeSpan.FromSeconds(60));
        await events.Wait<IbError>(e => e.Code == 2105);
        await client.PlaceOrderAsync(Stock, IbOrder.Limit("BUY", 1, 1.00));
        Assert.True(client.IsConnected);
        await client.PlaceOrderAsync(Stock, IbOrder.Limit("BUY", 1, 1.00));
        await events.Wait<IbDisconnected>();
        await client.DisposeAsync();
        var (again, ev2) = await Connect(gw, 1);
        await using var _ = again;
        await again.PlaceOrderAsync(Stock, IbOrder.Limit("BUY", 1, 1.00));
        await ev2.Wait<IbOrderStatus>(); // the rule fired once: no second drop
        Assert.True(again.IsConnected);
    }

    [Fact]
    public async Task RaceNextCancel_HalfTradesFirst_The202ComesAtOnce_TheFillsReportsAndFinalStatusLater()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        await gw.InjectAsync(Parse("hold-next-order"));
        await gw.InjectAsync(Parse("race-next-cancel 1500"));
        var held = await PlaceMarket(client, "held");
        await events.Wait<IbOrderStatus>(s => s.OrderId == held && s.Status == "PreSubmitted");

        await client.CancelOrderAsync(held);
        await events.Wait<IbError>(e => e.Id == held && e.Code == 202);
        await RoundTrip(client, events);
        // The 202 alone so far: the fill that beat the cancel is held back with the final status.
        Assert.Empty(events.OfType<IbExecDetails>(e => e.Execution.OrderId == held));
        Assert.DoesNotContain(events.OfType<IbOrderStatus>(s => s.OrderId == held), s => s.Status == "Cancelled");
        Assert.Equal(["order", "fill", "commission", "cancel"], GatewayLedger.Read(ledger).Select(e => e.Type));

        var exec = await events.Wait<IbExecDetails>(e => e.Execution.OrderId == held);
        var final = await events.Wait<IbOrderStatus>(s => s.OrderId == held && s.Status == "Cancelled");
        Assert.Equal(50, exec.Execution.Shares);
        Assert.Equal(50, final.Filled);
        Assert.Equal(50, final.Remaining);
        Assert.Equal(50, (await gw.PositionsAsync())[gw.Contracts.Find("XYZ")!.Value].Qty);
    }

    [Theory]
    [InlineData(161, "Cancel attempted when order is not in a cancellable state. Order permId = ")]
    [InlineData(135, "Can't find order with ID = ")]
    public async Task RefuseNextCancel_TheCancelIsRefusedWithTheCode_TheOrderWorksOn_TheNextCancelEndsIt(int code, string text)
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        await gw.InjectAsync(Parse("hold-next-order"));
        await gw.InjectAsync(Parse($"refuse-next-cancel {code}"));
        var held = await PlaceMarket(client, "held");
        await events.Wait<IbOrderStatus>(s => s.OrderId == held && s.Status == "PreSubmitted");

        await client.CancelOrderAsync(held);
        var refused = await events.Wait<IbError>(e => e.Id == held && e.Code == code);
        Assert.StartsWith(text, refused.Message, StringComparison.Ordinal);
        await RoundTrip(client, events);
        // No status: the order works on, as IB's refusal leaves it.
        Assert.DoesNotContain(events.OfType<IbOrderStatus>(s => s.OrderId == held), s => s.Status != "PreSubmitted");
        Assert.Equal(["order", "cancel_refused"], GatewayLedger.Read(ledger).Select(e => e.Type));
        Assert.Equal(code, GatewayLedger.Read(ledger)[1].Code);

        await client.CancelOrderAsync(held); // only the next cancel is refused
        await events.Wait<IbOrderStatus>(s => s.OrderId == held && s.Status == "Cancelled");
        await events.Wait<IbError>(e => e.Id == held && e.Code == 202);
        Assert.Equal(["order", "cancel_refused", "cancel"], GatewayLedger.Read(ledger).Select(e => e.Type));
    }

    [Fact]
    public void FaultScript_ParsesEveryActionAndRejectsGarbage()
    {
        string[] lines =
        [
            "at 09:45:00 drop-connection", "after-messages 200 send 1100", "send 1101", "upstream-lost 1102 500", "delay-exec 250 2",
            "duplicate-exec", "reorder-status 3", "reject-next-order", "pacing-violation", "restart 5", "stop-market-data XYZ 20260320 C 100",
            "resume-market-data XYZ", "after-fills 1 send 2104", "at +30s send 2106", "delay-commission 4000 0",
            "hold-next-order", "after-orders 2 hold-next-order 404", "release-held", "forget-executions", "lose-next-exec-end",
            "race-next-cancel 2000", "refuse-next-cancel", "refuse-next-cancel 135", "lose-next-current-time", "delay-positions 1500 3",
        ];
        var rules = lines.Select(FaultScript.ParseRule).ToList();
        Assert.IsType<FaultTrigger.AtTimeOfDay>(rules[0].Trigger);
        Assert.Equal(new FaultTrigger.AfterMessages(200), rules[1].Trigger);
        Assert.Equal(new FaultAction.SendError(1100, -1, null, null), rules[1].Action);
        Assert.Equal(new FaultAction.DelayExecutions(250, 2), rules[4].Action);
        Assert.Equal(new FaultAction.MuteMarketData("XYZ 20260320 C 100", true), rules[10].Action);
        Assert.Equal(new FaultAction.DelayCommissions(4000, 0), rules[14].Action);
        Assert.Equal(new FaultAction.HoldNextOrder(0), rules[15].Action);
        Assert.Equal(new FaultTrigger.AfterOrders(2), rules[16].Trigger);
        Assert.Equal(new FaultAction.HoldNextOrder(404), rules[16].Action);
        Assert.Equal(new FaultAction.HoldNextOrder(404, Locate: true), FaultScript.ParseRule("hold-next-order 404 locate").Action);
        Assert.Equal(new FaultAction.LoseNextExecutionsEnd(), rules[19].Action);
        Assert.IsType<FaultAction.ReleaseHeld>(rules[17].Action);
        Assert.IsType<FaultAction.ForgetExecutions>(rules[18].Action);
        Assert.Equal(new FaultAction.RaceNextCancel(2000), rules[20].Action);
        Assert.Equal(new FaultAction.RefuseNextCancel(161), rules[21].Action);
        Assert.Equal(new FaultAction.RefuseNextCancel(135), rules[22].Action);
        Assert.Equal(new FaultAction.LoseNextCurrentTime(), rules[23].Action);
        Assert.Equal(new FaultAction.DelayPositions(1500, 3), rules[24].Action);
        Assert.Equal(new FaultAction.HaltTrading("XYZ", 1), FaultScript.ParseRule("halt XYZ").Action);
        Assert.Equal(new FaultAction.HaltTrading("XYZ", 2), FaultScript.ParseRule("halt XYZ volatility").Action);
        Assert.Equal(new FaultAction.HaltTrading("XYZ 20260320 C 100", 0), FaultScript.ParseRule("reopen XYZ 20260320 C 100").Action);
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("halt volatility"));
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("delay-positions"));
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("refuse-next-cancel soon"));
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("race-next-cancel"));
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("hold-next-order soon"));
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("hold-next-order soon locate"));
        Assert.Contains("hold-next-order [CODE] [locate]", FaultScript.Grammar);
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("explode"));
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("upstream-lost 1100 5"));
    }

    [Fact]
    public async Task MisreportNextExecution_TheClientSeesTheOtherSideOrAnotherContract_PositionsAndLedgerKeepTheTruth()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        var stock = gw.Contracts.Find("XYZ")!.Value;
        IbExecDetails Reported(int orderId) => events.OfType<IbExecDetails>(e => e.Execution.OrderId == orderId).Single();

        Assert.Equal("ok applied misreport-next-execution", await gw.ExecuteAsync("misreport-next-execution"));
        var sideFlipped = await FillMarket(gw, client, events, "m1");
        Assert.Equal("SLD", Reported(sideFlipped).Execution.Side); // bought, reported sold
        Assert.Equal("ok applied misreport-next-execution contract", await gw.ExecuteAsync("misreport-next-execution contract"));
        var elsewhere = await FillMarket(gw, client, events, "m2");
        Assert.NotEqual(stock, Reported(elsewhere).Contract.ConId);
        Assert.Equal("BOT", Reported(elsewhere).Execution.Side);
        var plain = await FillMarket(gw, client, events, "m3"); // only the next execution each time
        Assert.Equal(("BOT", stock), (Reported(plain).Execution.Side, Reported(plain).Contract.ConId));
        Assert.Equal("ok applied misreport-next-execution price", await gw.ExecuteAsync("misreport-next-execution price"));
        var unset = await FillMarket(gw, client, events, "m4");
        Assert.Equal(("BOT", stock, double.MaxValue), (Reported(unset).Execution.Side, Reported(unset).Contract.ConId, Reported(unset).Execution.Price));
        var plainAgain = await FillMarket(gw, client, events, "m5");
        Assert.True(Reported(plainAgain).Execution.Price < 1e6);

        var fills = GatewayLedger.Read(ledger).Where(e => e.Type == "fill").ToList();
        Assert.Equal(5, fills.Count);
        Assert.All(fills, f => Assert.Equal(("BOT", (int?)stock), (f.Side, f.ConId))); // the truth
        Assert.All(fills, f => Assert.True(f.Price < 1e6));
        Assert.Equal(fills.Sum(f => f.Quantity), (await gw.PositionsAsync())[stock].Qty);
        Assert.Throws<FormatException>(() => FaultScript.ParseRule("misreport-next-execution quantity"));
    }

    [Fact]
    public async Task CorrectNextExecution_FollowsTheFillWithItsRevision_LiveAndInReqExecutions_PositionUnchanged()
    {
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await Start(ledger: ledger);
        await Warm(gw);
        var (client, events) = await Connect(gw, 2);
        await using var _ = client;
        var stock = gw.Contracts.Find("XYZ")!.Value;
        Assert.Equal("ok applied correct-next-exec 7", await gw.ExecuteAsync("correct-next-exec 7"));
        var corrected = await FillMarket(gw, client, events, "c1");
        await events.Until(all => all.OfType<IbExecDetails>().Count(e => e.Execution.OrderId == corrected) == 2);
        var live = events.OfType<IbExecDetails>(e => e.Execution.OrderId == corrected).ToList();
        Assert.EndsWith(".01", live[0].Execution.ExecId);
        Assert.Equal(live[0].Execution.ExecId[..^2] + "02", live[1].Execution.ExecId); // IB's revision
        Assert.Equal(live[0].Execution.Price + 0.07, live[1].Execution.Price, 6);
        Assert.Equal(live[0].Execution.Shares, live[1].Execution.Shares);
        await events.Until(all => all.OfType<IbCommissionReport>().Any(c => c.ExecId == live[1].Execution.ExecId));
        var plain = await FillMarket(gw, client, events, "c2"); // only the next execution
        Assert.Equal([corrected, corrected, plain], await ExecutionsAsync(client, events)); // reqExecutions has the revision too

        var entries = GatewayLedger.Read(ledger);
        Assert.Equal(2, entries.Count(e => e.Type == "fill"));
        Assert.Equal(live[1].Execution.ExecId, entries.Single(e => e.Type == "fill_correction").ExecId);
        Assert.Equal(entries.Where(e => e.Type == "fill").Sum(f => f.Quantity), (await gw.PositionsAsync())[stock].Qty); // the position counts it once
        Assert.Equal(new FaultAction.CorrectNextExecution(5), FaultScript.ParseRule("correct-next-exec").Action);
    }
}
