using System.Text.Json;
using System.Text.Json.Nodes;
using Bifrost.Sim.Ticks;
using Bifrost.Store.Records;
using Xunit.Abstractions;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>Portfolio runs end to end (issue 13): a signals file → a frozen snapshot → pre-trade → orders through the
/// daemon's order path → fills from the replay gateway → the run's status; each scenario ends with the gateway's ledger
/// compared to the store. The replay is a multi-symbol sample: XYZ with its options (the scalper's) plus AAA and BBB.</summary>
[Collection(EndToEndCollection.Name)]
public class PortfolioRunEndToEndTests(ITestOutputHelper output)
{
    internal static readonly Lazy<string> Data = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "bifrost-daemon-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "portfolio-session.parquet");
        if (!File.Exists(path)) MultiSymbolGenerator.WriteFile(path, new GeneratorOptions(), [new ExtraStock("AAA", 50), new ExtraStock("BBB", 80)]);
        return path;
    });

    internal static int AaaId => ContractKey.Stock("AAA").ConId;
    internal static int BbbId => ContractKey.Stock("BBB").ConId;

    /// <summary>The end-to-end config with a portfolio of AAA and BBB, and a band so wide the hedger stays out of the way.</summary>
    internal static string Config(int port, string store)
    {
        var root = JsonNode.Parse(TestConfig.Json(port, store, conIds: false, band: 100_000))!.AsObject();
        root["portfolio"] = JsonNode.Parse("""
            {
              "universe": ["AAA", "BBB"], "max_signal_age_s": 604800, "max_position_size": 0.01, "lot_size": 1,
              "min_order_shares": 10, "min_order_notional": 100, "max_quote_age_s": 60,
              "risk": { "max_position_fraction": 0.05, "max_position_shares": 10000, "max_order_notional": 100000,
                        "max_daily_trades": 100, "daily_loss_limit": 100000, "max_drawdown": 100000, "max_sector_weight": 0.5 },
              "sectors": { "AAA": "tech", "BBB": "energy" }
            }
            """);
        return root.ToJsonString();
    }

    /// <summary>The bad-print scenarios' config: quotes an hour old still tradeable (the print stays the last quote), and
    /// with <paramref name="guardOpened"/> the bad-quote guard opened (max_jump_pct 95: the premise, the print taken).</summary>
    private static string HeldPrintConfig(int port, string store, bool guardOpened)
    {
        var json = Config(port, store).Replace("\"max_quote_age_s\":60", "\"max_quote_age_s\":3600");
        return guardOpened ? json.Replace("\"max_spread_bps\":100", "\"max_spread_bps\":100,\"max_jump_pct\":95") : json;
    }

    internal static string Signals(DaemonHarness h, string name, double aaaScore, double bbbScore)
    {
        var path = Path.Combine(h.Dir, name);
        File.WriteAllText(path, $"""
            symbol,action,score,confidence,time
            AAA,buy,{aaaScore.ToString(System.Globalization.CultureInfo.InvariantCulture)},1,2026-03-01T12:00:00Z
            BBB,buy,{bbbScore.ToString(System.Globalization.CultureInfo.InvariantCulture)},1,2026-03-01T12:00:00Z
            """);
        Written(path);
        return path;
    }

    /// <summary>A file its producer has finished: the daemon refuses one modified under 2 s before it reads it.</summary>
    internal static void Written(string path) => File.SetLastWriteTimeUtc(path, DateTime.UtcNow - TimeSpan.FromMinutes(1));

    internal static Task<DaemonHarness> Start(ITestOutputHelper output) =>
        DaemonHarness.StartAsync(output, config: Config, dataPath: Data.Value);

    /// <summary>The delayed executions of a scenario stay missing for its length (9 s wall is 1,800 simulated s): no
    /// reconcile for them (reconcile.execution_wait_seconds) before the stop the scenario is about.</summary>
    private static System.Collections.Hashtable LateExecutionsAwaited() => new() { ["BIFROST__RECONCILE__EXECUTION_WAIT_SECONDS"] = "3600" };

    internal static long RunPortfolio(DaemonHarness h, string file) =>
        h.Enqueue(ControlCommandKind.PortfolioRun, new JsonObject { ["file"] = file }.ToJsonString());

    internal static async Task WaitQuotes(DaemonHarness h)
    {
        // The portfolio symbols are subscribed once the engine knows them; give the replay a moment to quote both.
        await h.WaitFsm("Running", 30_000);
        await Task.Delay(1500);
    }

    /// <summary>Every portfolio fill the gateway made is in the store once, on the run's orders; strategy-owned AAA/BBB
    /// equal what the ledger says was bought and sold.</summary>
    internal static async Task AssertPortfolioMatchesLedger(DaemonHarness h)
    {
        int Ledger(int id) => h.LedgerOf("fill").Where(f => f.ConId == id).Sum(f => (f.Side == "BOT" ? 1 : -1) * f.Quantity ?? 0);
        // The status row is published on change and on the self-check timer: wait for it to show the last fill.
        await h.WaitUntil(() => h.StrategyQty(AaaId) == Ledger(AaaId) && h.StrategyQty(BbbId) == Ledger(BbbId), "status shows the ledger's AAA and BBB");
        h.AssertMatchesLedger();
        foreach (var id in new[] { AaaId, BbbId }) Assert.Equal(Ledger(id), h.StrategyQty(id));
        var runOrders = h.Read(r => r.ListPortfolioRuns(100)).SelectMany(r => r.Orders).ToList();
        foreach (var o in runOrders.Where(o => o.Sent))
        {
            var ledgerFilled = h.LedgerOf("fill").Where(f => f.OrderRef == o.OrderRef).Sum(f => f.Quantity ?? 0);
            Assert.Equal(ledgerFilled, o.Filled);
            var fills = JsonSerializer.Deserialize<JsonArray>(o.FillsJson)!;
            Assert.Equal(h.LedgerOf("fill").Count(f => f.OrderRef == o.OrderRef), fills.Count);
        }
        // Every order a run sent reached the gateway once: accepted ("order") or refused ("reject"), never twice.
        var ledgerRefs = h.LedgerOf("order").Concat(h.LedgerOf("reject")).Select(o => o.OrderRef!)
            .Where(r => r.StartsWith("oi_p", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(ledgerRefs, runOrders.Where(o => o.Sent).Select(o => o.OrderRef).Order().ToList());
        Assert.All(runOrders.Where(o => o.Status == "rejected" && o.Sent), o => Assert.Contains(h.LedgerOf("reject"), r => r.OrderRef == o.OrderRef));
    }

    [Fact]
    public async Task PortfolioRun_SignalsFile_FreezesSnapshot_OrdersFill_RunDone_StoreMatchesLedger()
    {
        await using var h = await Start(output);
        try
        {
            h.StartDaemon();
            await WaitQuotes(h);
            var id = RunPortfolio(h, Signals(h, "signals.csv", 1.0, 0.5));
            var control = await h.WaitControl(id, 30_000);
            Assert.Equal(ControlStatus.Done, control.Status);
            Assert.StartsWith("done:", control.Result);

            var run = h.Read(r => r.FindPortfolioRunForControl(id))!;
            Assert.Equal("done", run.Status);
            Assert.Equal(2, run.Orders.Count);
            Assert.All(run.Orders, o =>
            {
                Assert.StartsWith("oi_p", o.OrderRef);
                Assert.Equal(28, o.OrderRef.Length);
                Assert.Equal("filled", o.Status);
                Assert.Equal(o.Quantity, o.Filled);
                Assert.NotNull(o.IbOrderId);
                Assert.NotNull(o.PermId);
            });
            // Sized from score × confidence × max_position_size of NetLiquidation: AAA twice BBB's weight.
            var snapshot = h.Read(r => r.GetPortfolioSnapshot(run.SnapshotId))!;
            Assert.Equal(run.SnapshotHash, snapshot.ContentHash);
            Assert.Equal("file", snapshot.SourceKind);
            Assert.Equal("signals.csv", snapshot.SourceName);
            var aaa = snapshot.Lines.Single(l => l.Symbol == "AAA");
            var bbb = snapshot.Lines.Single(l => l.Symbol == "BBB");
            Assert.Equal(0.01, aaa.Weight, 9);
            Assert.Equal(0.005, bbb.Weight, 9);
            Assert.True(aaa.Target > 0 && bbb.Target > 0);
            Assert.True(aaa.Target * aaa.Price!.Value <= 0.01 * snapshot.PortfolioValue);
            Assert.Equal(aaa.Target, run.Orders.Single(o => o.Symbol == "AAA").Quantity);
            Assert.Equal(bbb.Target, run.Orders.Single(o => o.Symbol == "BBB").Quantity);
            // The snapshot is frozen: the store refuses to change it.
            Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => Exec(h, "UPDATE portfolio_snapshots SET portfolio_value = 1"));
            await h.WaitUntil(() => h.StrategyQty(AaaId) == aaa.Target && h.StrategyQty(BbbId) == bbb.Target, "status shows the portfolio");
            await AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>The account reports its figures in yen (IB's plain account-summary tags come in the base currency):
    /// read as dollars, the run was sized on a NetLiquidation 150× too big. It is refused naming the currency, nothing
    /// reaches the gateway, ACCOUNT_CURRENCY is raised once (critical, the engine not paused) and the light is RED.</summary>
    [Fact]
    public async Task PortfolioRun_OnAJpyAccount_IsRefusedNamingTheCurrency()
    {
        await using var h = await DaemonHarness.StartAsync(output, config: Config, dataPath: Data.Value, baseCurrency: "JPY");
        try
        {
            h.StartDaemon();
            await WaitQuotes(h);
            var id = RunPortfolio(h, Signals(h, "signals.csv", 1.0, 0.5));
            var control = await h.WaitControl(id, 30_000);
            Assert.Equal(ControlStatus.Refused, control.Status);
            Assert.Contains("ACCOUNT_CURRENCY: the account reports JPY", control.Result);
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.OrderRef!.StartsWith("oi_p", StringComparison.Ordinal));
            Assert.Single(h.Alerts(), a => a.Code == "ACCOUNT_CURRENCY" && a.Severity == AlertSeverity.Critical);
            await h.WaitUntil(() => h.Read(r => r.GetStatus())!.Checks.Any(c => c.Name == "account_currency"), "the light shows the account's currency");
            var status = h.Read(r => r.GetStatus())!;
            Assert.StartsWith("Running", status.FsmState);
            Assert.Contains(status.Checks, c => c.Name == "account_currency" && c.Health == Health.Blocked && c.Detail!.Contains("JPY", StringComparison.Ordinal));
            // RED names its reason in the status row (the console's reasons line, status --json): before, none stood.
            Assert.Equal(Health.Blocked, status.Health);
            Assert.Contains("ACCOUNT_CURRENCY", status.BlockReasons);
            Assert.False(status.AccountValues.ContainsKey("NetLiquidation"));
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task PortfolioRun_OneOrderRejectedByIb_RunPartial_WithIbsReason()
    {
        await using var h = await Start(output);
        try
        {
            h.StartDaemon();
            await WaitQuotes(h);
            await h.Gateway.ExecuteAsync("reject-next-order");
            var id = RunPortfolio(h, Signals(h, "signals.csv", 1.0, 0.5));
            var control = await h.WaitControl(id, 30_000);
            Assert.Equal(ControlStatus.Done, control.Status);
            Assert.StartsWith("partial:", control.Result);
            var run = h.Read(r => r.FindPortfolioRunForControl(id))!;
            Assert.Equal("partial", run.Status);
            // Orders go out in symbol order: AAA's was the next placeOrder, so IB rejected it (201).
            var aaa = run.Orders.Single(o => o.Symbol == "AAA");
            Assert.Equal("rejected", aaa.Status);
            Assert.True(aaa.Sent);
            Assert.Contains("201", aaa.Reason);
            Assert.Equal(0, aaa.Filled);
            Assert.Equal("filled", run.Orders.Single(o => o.Symbol == "BBB").Status);
            Assert.Contains(JsonSerializer.Deserialize<string[]>(run.ReasonsJson)!, r => r.StartsWith("AAA: 201", StringComparison.Ordinal));
            Assert.Null(run.FallbackSnapshotId); // no market-data failure and not failed: the target stands
            await AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>Outside the session's hours (the calendar's; here a session of 15:00–16:00 New York while the replay
    /// runs in the morning) a portfolio run is refused with the reason: its market orders, sized on the prices of
    /// now, would wait for the next open. Nothing reaches the gateway (the scalper's hedge waits too:
    /// OUTSIDE_HOURS); the ledger matches the store.</summary>
    [Fact]
    public async Task PortfolioRun_OutsideTheSessionsHours_Refused_NothingSent()
    {
        await using var h = await DaemonHarness.StartAsync(output, dataPath: Data.Value, config: (port, store) =>
        {
            var json = Config(port, store);
            var closed = json.Replace("\"open\":\"09:30\",\"close\":\"16:00\"", "\"open\":\"15:00\",\"close\":\"16:00\"");
            return closed != json ? closed : throw new InvalidOperationException("the test config's calendar changed: " + json);
        });
        try
        {
            h.StartDaemon();
            await WaitQuotes(h);
            var id = RunPortfolio(h, Signals(h, "signals.csv", 1.0, 0.5));
            var control = await h.WaitControl(id, 30_000);
            output.WriteLine($"{control.Status}: {control.Result}");
            Assert.Equal(ControlStatus.Refused, control.Status);
            Assert.Contains("outside the session's hours", control.Result);
            Assert.Null(h.Read(r => r.FindPortfolioRunForControl(id)));
            Assert.Empty(h.LedgerOf("order"));
            await AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task PortfolioRun_BrokerConnectionLost_RunBlocked_ConnectionUnavailable_NothingSent()
    {
        await using var h = await Start(output);
        try
        {
            h.StartDaemon();
            await WaitQuotes(h);
            var ordersBefore = h.LedgerOf("order").Count;
            await h.Gateway.ExecuteAsync("send 1100");
            await h.WaitUntil(() => h.Read(r => r.GetAlerts(limit: 1000)).Any(a => a.Code == "IB_CONNECTIVITY_LOST"), "1100 seen by the engine");
            var id = RunPortfolio(h, Signals(h, "signals.csv", 1.0, 0.5));
            var control = await h.WaitControl(id, 30_000);
            Assert.Equal(ControlStatus.Refused, control.Status);
            Assert.StartsWith("blocked:", control.Result);
            var run = h.Read(r => r.FindPortfolioRunForControl(id))!;
            Assert.Equal("blocked", run.Status);
            Assert.Equal(["connection_unavailable"], JsonSerializer.Deserialize<string[]>(run.ReasonsJson)!);
            Assert.Empty(run.Orders);
            Assert.Equal(ordersBefore, h.LedgerOf("order").Count);
            await AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task PortfolioRun_StaleSymbol_MarketDataError_FallsBackToTheLastCompletedSnapshot()
    {
        await using var h = await Start(output);
        try
        {
            h.StartDaemon();
            await WaitQuotes(h);
            var first = RunPortfolio(h, Signals(h, "monday.csv", 1.0, 0.5));
            Assert.StartsWith("done:", (await h.WaitControl(first, 30_000)).Result);
            var good = h.Read(r => r.FindPortfolioRunForControl(first))!;

            await h.Gateway.ExecuteAsync("stop-market-data AAA");
            // max_quote_age_s is 60 s of replay time: at 200x that is 0.3 s of wall time; wait well past it.
            await Task.Delay(2000);
            var second = RunPortfolio(h, Signals(h, "tuesday.csv", 0.5, 1.0));
            var control = await h.WaitControl(second, 30_000);
            var run = h.Read(r => r.FindPortfolioRunForControl(second))!;
            Assert.Equal("partial", run.Status);
            Assert.StartsWith("partial:", control.Result);
            var aaa = run.Orders.Single(o => o.Symbol == "AAA");
            Assert.Equal("rejected", aaa.Status);
            Assert.Equal("market_data_error", aaa.Reason);
            Assert.False(aaa.Sent);
            Assert.Equal("filled", run.Orders.Single(o => o.Symbol == "BBB").Status);
            Assert.Equal(good.SnapshotId, run.FallbackSnapshotId);
            var alerts = h.Read(r => r.GetAlerts(limit: 1000));
            Assert.Contains(alerts, a => a.Code == "FALLBACK" && a.Message.Contains(good.SnapshotId, StringComparison.Ordinal));
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.OrderRef == aaa.OrderRef); // never sent
            await AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>AAA is quoted once 30 % low and its feed stops there (a stuck bad print), then a run is requested
    /// (quotes stay fresh for an hour here, so staleness plays no part). Taken as it came (the premise: the guard's
    /// max_jump_pct opened to 95), the run sized AAA on the print and bought it at the real price. With the guard the
    /// print is held (PRICE_JUMP naming AAA): the run sizes AAA at its accepted price and does not send it
    /// (market_data_error); BBB trades; the ledger matches the store.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PortfolioRun_OnAStuckBadPrint_TheSymbolIsHeld_NotTradedOnIt(bool guardOpened)
    {
        await using var h = await DaemonHarness.StartAsync(output, dataPath: Data.Value, config: (port, store) => HeldPrintConfig(port, store, guardOpened));
        try
        {
            h.StartDaemon();
            await WaitQuotes(h);
            await h.Gateway.ExecuteAsync("bad-quote AAA -30 stay");
            if (!guardOpened) await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "PRICE_JUMP"), "the print held", 30_000);
            else await Task.Delay(500);
            await RunOnTheHeldPrint(h, guardOpened);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    /// <summary>A run on AAA's stuck print: BBB trades; with the guard AAA is sized at its accepted (or remembered) price
    /// and not sent (market_data_error, the run partial, PRICE_JUMP naming AAA); with it opened (the premise) AAA is sent
    /// on the print. Then the ledger is compared with the store.</summary>
    private async Task RunOnTheHeldPrint(DaemonHarness h, bool guardOpened)
    {
        var id = RunPortfolio(h, Signals(h, "monday.csv", 1.0, 0.5));
        var control = await h.WaitControl(id, 30_000);
        var run = h.Read(r => r.FindPortfolioRunForControl(id))!;
        output.WriteLine($"run {run.Status}: {string.Join("; ", run.Orders.Select(o => $"{o.Symbol} {o.Side} {o.Quantity} {o.Status} {o.Reason} sent {o.Sent}"))}; alerts [{string.Join(" | ", h.Alerts().Select(a => $"{a.Code}: {a.Message}"))}]");
        Assert.Equal("filled", run.Orders.Single(o => o.Symbol == "BBB").Status);
        var aaa = run.Orders.Single(o => o.Symbol == "AAA");
        if (guardOpened)
        {
            Assert.True(aaa.Sent, "the premise: AAA sized and sent on the print");
            Assert.DoesNotContain(h.Alerts(), a => a.Code == "PRICE_JUMP");
        }
        else
        {
            Assert.StartsWith("partial:", control.Result);
            Assert.Equal("rejected", aaa.Status);
            Assert.Equal("market_data_error", aaa.Reason);
            Assert.False(aaa.Sent);
            Assert.DoesNotContain(h.LedgerOf("order"), o => o.OrderRef == aaa.OrderRef || o.ConId == AaaId);
            var held = Assert.Single(h.Alerts(), a => a.Code == "PRICE_JUMP");
            Assert.Contains("AAA mid jumped", held.Message);
            // Never GREEN while it is held: the light names the symbol.
            await h.WaitUntil(() => h.Read(r => r.GetStatus()) is { } st
                && st.Checks.Any(c => c.Name == "price_confirmed" && c.Health != Health.Ok && c.Detail?.Contains("AAA mid") == true),
                "the light names AAA's held price", 30_000);
        }
        await AssertPortfolioMatchesLedger(h);
    }

    /// <summary>A print stuck 30 % low on AAA while the daemon was down was the first price the restarted daemon saw:
    /// with nothing to judge it against it was AAA's price, and a run sized and sent AAA on it (the premise, the guard
    /// opened: max_jump_pct 95). Now the daemon remembers each symbol's last accepted price (engine_memory's
    /// portfolio_prices) and holds the print against it (PRICE_JUMP naming AAA): the run sizes AAA at the remembered
    /// price and does not send it (market_data_error, the run partial), as a print held live; BBB trades; the ledger
    /// matches the store.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PortfolioRun_AfterARestartOntoAStuckBadPrint_TheSymbolIsHeld_NotTradedOnIt(bool guardOpened)
    {
        await using var h = await DaemonHarness.StartAsync(output, dataPath: Data.Value, config: (port, store) => HeldPrintConfig(port, store, guardOpened));
        try
        {
            var first = h.StartDaemon();
            await WaitQuotes(h);
            await h.WaitUntil(() => h.Read(r => r.GetEngineState("engine_memory")) is { } m && m.Contains($"{{\"con_id\":{AaaId},\"price\":"),
                "AAA's price remembered", 30_000);
            h.Enqueue(ControlCommandKind.Stop);
            Assert.Equal(0, await first.Exit.WaitAsync(TimeSpan.FromSeconds(30)));
            await h.Gateway.ExecuteAsync("bad-quote AAA -30 stay");
            h.StartDaemon();
            await WaitQuotes(h);
            if (!guardOpened) await h.WaitUntil(() => h.Alerts().Any(a => a.Code == "PRICE_JUMP"), "the print held", 30_000);
            await RunOnTheHeldPrint(h, guardOpened);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task PortfolioRun_SameSignalsAfterRestart_SendsNoSecondOrder()
    {
        await using var h = await Start(output);
        try
        {
            var daemon = h.StartDaemon();
            await WaitQuotes(h);
            var file = Signals(h, "signals.csv", 1.0, 0.5);
            Assert.StartsWith("done:", (await h.WaitControl(RunPortfolio(h, file), 30_000)).Result);
            var orders = h.LedgerOf("order").Count;
            await daemon.Signal.CancelAsync();
            Assert.Equal(0, await daemon.Exit.WaitAsync(TimeSpan.FromSeconds(30)));

            h.StartDaemon();
            await WaitQuotes(h);
            // Holdings are restored from the strategy's own fills: the same signals find the portfolio at target (a price
            // drift moves a target by less than min_order_shares), so nothing is sent again.
            var again = RunPortfolio(h, file);
            var control = await h.WaitControl(again, 30_000);
            Assert.StartsWith("done:", control.Result);
            var run = h.Read(r => r.FindPortfolioRunForControl(again))!;
            Assert.Equal("done", run.Status);
            Assert.Empty(run.Orders);
            Assert.Equal(orders, h.LedgerOf("order").Count);
            await AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    [Fact]
    public async Task PortfolioRun_DaemonStoppedMidRun_RestartFinishesTheSameRun_NoOrderSentTwice()
    {
        await using var h = await Start(output);
        try
        {
            var daemon = h.StartDaemon(LateExecutionsAwaited());
            await WaitQuotes(h);
            // The next execution reaches the client 9 s after its orderStatus: the run is still running when the daemon
            // stops (cancel_on_stop cancels BBB's order if it is still working), and AAA's fill is only learnt from the
            // broker after the restart.
            await h.Gateway.ExecuteAsync("delay-exec 9000 2");
            var id = RunPortfolio(h, Signals(h, "signals.csv", 1.0, 0.5));
            await h.WaitUntil(() => h.Read(r => r.FindPortfolioRunForControl(id)) is { Status: "running" } r && r.Orders.Count(o => o.Sent) == 2,
                "the run's two orders at the broker", 30_000);
            var runId = h.Read(r => r.FindPortfolioRunForControl(id))!.Id;
            await daemon.Signal.CancelAsync();
            await daemon.Exit.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("running", h.Read(r => r.GetPortfolioRun(runId))!.Status);
            var sent = h.LedgerOf("order").Select(o => o.OrderRef).ToList();

            h.StartDaemon(LateExecutionsAwaited());
            await h.WaitUntil(() => h.Read(r => r.GetPortfolioRun(runId))?.Status is "done" or "partial",
                "the restored run finished by the broker's reports", 40_000);
            var run = h.Read(r => r.GetPortfolioRun(runId))!;
            var aaa = run.Orders.Single(o => o.Symbol == "AAA");
            Assert.Equal("filled", aaa.Status);
            Assert.Equal(aaa.Quantity, aaa.Filled);
            Assert.Equal(run.Orders.All(o => o.Status == "filled") ? "done" : "partial", run.Status);
            Assert.Equal(sent, h.LedgerOf("order").Select(o => o.OrderRef).ToList()); // nothing re-sent by the restart
            // The command is answered with what the run did: before, the restart refused it ("the daemon restarted before
            // completing it") while the run it had started went on to fill, and `portfolio-run --wait` exited 1.
            var answer = await h.WaitControl(id, 30_000);
            Assert.Equal(ControlStatus.Done, answer.Status);
            Assert.StartsWith(run.Status + ":", answer.Result, StringComparison.Ordinal);
            await AssertPortfolioMatchesLedger(h);

            // The same signals again: AAA is at target (restored from its fill), so at most BBB's remainder goes out.
            var again = RunPortfolio(h, Signals(h, "signals.csv", 1.0, 0.5));
            Assert.StartsWith("done:", (await h.WaitControl(again, 30_000)).Result);
            var second = h.Read(r => r.FindPortfolioRunForControl(again))!;
            Assert.DoesNotContain(second.Orders, o => o.Symbol == "AAA");
            var refs = h.LedgerOf("order").Select(o => o.OrderRef).ToList();
            Assert.Equal(refs.Count, refs.Distinct().Count());
            Assert.Equal(2, h.LedgerOf("order").Count(o => o.ConId == AaaId) + h.LedgerOf("order").Count(o => o.ConId == BbbId) - second.Orders.Count);
            await AssertPortfolioMatchesLedger(h);
        }
        catch
        {
            h.Dump();
            throw;
        }
    }

    internal static void Exec(DaemonHarness h, string sql)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={h.StorePath};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
