using System.Diagnostics;
using System.Text.Json;
using Bifrost.Daemon.Alerts;
using Bifrost.Store.Control;
using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bifrost.Daemon.Tests.Alerts;

/// <summary>The notifier against the real things: a loopback HTTP endpoint, shell scripts, the SQLite store.</summary>
public sealed class NotifierTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-notifier-").FullName;
    private StoreWriter _store = null!;

    private string StorePath => Path.Combine(_dir, "bifrost.db");

    public Task InitializeAsync()
    {
        _store = StoreWriter.Open(StorePath);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private AlertNotifier Notifier(IReadOnlyList<IAlertChannel> channels, int retries = 2, double backoffSeconds = 0.05, int capacity = 100,
        AlertSeverity min = AlertSeverity.Info, Action<string, string?>? channelHealth = null, TimeSpan? retryOwedEvery = null) =>
        new(new AlertSettings(channels.Select(c => (NotifierSettings)new CommandNotifierSettings(c.Name, ["/bin/true"], TimeSpan.FromSeconds(1))).ToList(),
                retries, TimeSpan.FromSeconds(backoffSeconds), min, capacity),
            channels, (h, d) => _store.RecordDelivery(h, d), new AlertJson("DU1234567", "paper", "t1"), NullLogger.Instance, channelHealth, retryOwedEvery,
            Notifiers.AcknowledgedIn(StorePath));

    private AlertHandle Raise(AlertNotifier notifier, string code, AlertSeverity severity = AlertSeverity.Critical)
    {
        var handle = new AlertHandle();
        var alert = new AlertRecord(Bifrost.Daemon.Engine.EngineClock.WallNanos(), severity, code, $"{code} happened") { VenueNanos = 1_773_000_000_000_000_000 };
        Assert.True(_store.RaiseAlert(alert, handle));
        notifier.Post(alert, handle);
        return handle;
    }

    private async Task<List<AlertDeliveryRecord>> WaitDeliveries(int n, int timeoutMs = 20_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            await _store.FlushAsync();
            using var r = StoreReader.Open(StorePath);
            var rows = r.GetAlertDeliveries().ToList();
            if (rows.Count >= n) return rows;
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"{rows.Count} of {n} deliveries recorded");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Webhook_PostsTheAlertAsJson_RecordsSentWithTheAlertsId()
    {
        await using var hook = new LoopbackWebhook();
        await using var notifier = Notifier([new WebhookChannel(new WebhookNotifierSettings("ops-hook", new Uri(hook.Url), TimeSpan.FromSeconds(5)), new HttpClient())]);

        var handle = Raise(notifier, "UNKNOWN_FILL");

        var row = Assert.Single(await WaitDeliveries(1));
        Assert.Equal((DeliveryStatus.Sent, 1, "ops-hook"), (row.Status, row.Attempts, row.Channel));
        Assert.Equal(handle.Id, row.AlertId);
        Assert.True(row.AlertId > 0);
        var json = JsonDocument.Parse(Assert.Single(hook.Bodies)).RootElement;
        Assert.Equal("UNKNOWN_FILL", json.GetProperty("code").GetString());
        Assert.Equal("critical", json.GetProperty("severity").GetString());
        Assert.Equal("DU1234567", json.GetProperty("account").GetString());
        Assert.Equal(handle.Id, json.GetProperty("id").GetInt64());
        Assert.Equal(1_773_000_000_000_000_000, json.GetProperty("venue_ns").GetInt64());
        Assert.True(json.GetProperty("time_ns").GetInt64() > json.GetProperty("venue_ns").GetInt64()); // wall now, venue in the replay's past
    }

    [Fact]
    public async Task Webhook_FailingEndpoint_IsRetriedWithBackoff_ThenRecordedFailedWithTheReasonAndAttempts()
    {
        await using var hook = new LoopbackWebhook(status: 503);
        await using var notifier = Notifier([new WebhookChannel(new WebhookNotifierSettings("ops-hook", new Uri(hook.Url), TimeSpan.FromSeconds(5)), new HttpClient())],
            retries: 2);

        Raise(notifier, "RISK_HALT");

        var row = Assert.Single(await WaitDeliveries(1));
        Assert.Equal((DeliveryStatus.Failed, 3), (row.Status, row.Attempts));
        Assert.Contains("HTTP 503", row.Detail);
        Assert.Equal(3, hook.Requests);
    }

    [Fact]
    public async Task Webhook_NobodyListening_RecordedFailedWithTheConnectionError()
    {
        int port;
        await using (var gone = new LoopbackWebhook()) port = gone.Port; // bound, then closed: nothing listens there any more
        await using var notifier = Notifier([new WebhookChannel(new WebhookNotifierSettings("ops-hook", new Uri($"http://127.0.0.1:{port}/x"), TimeSpan.FromSeconds(2)), new HttpClient())],
            retries: 1);

        Raise(notifier, "BROKER_DISCONNECTED", AlertSeverity.Warning);

        var row = Assert.Single(await WaitDeliveries(1));
        Assert.Equal((DeliveryStatus.Failed, 2), (row.Status, row.Attempts));
        Assert.Contains("refused", row.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Command_GetsTheAlertJsonOnStdin_ExitZeroIsSent()
    {
        var received = Path.Combine(_dir, "received.json");
        var script = Scripts.Write(_dir, "page.sh", $"cat > '{received}'");
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10)))]);

        Raise(notifier, "BOOK_MISMATCH");

        var row = Assert.Single(await WaitDeliveries(1));
        Assert.Equal((DeliveryStatus.Sent, 1, "pager"), (row.Status, row.Attempts, row.Channel));
        Assert.Equal("BOOK_MISMATCH", JsonDocument.Parse(File.ReadAllText(received)).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Command_NonZeroExit_IsRetried_ThenFailedWithItsStderr()
    {
        var script = Scripts.Write(_dir, "broken.sh", "cat > /dev/null; echo 'smtp relay down' >&2; exit 3");
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("mail", [script], TimeSpan.FromSeconds(10)))], retries: 1);

        Raise(notifier, "ORDER_REJECTED");

        var row = Assert.Single(await WaitDeliveries(1));
        Assert.Equal((DeliveryStatus.Failed, 2), (row.Status, row.Attempts));
        Assert.Equal("exit code 3: smtp relay down", row.Detail);
    }

    [Fact]
    public async Task Command_ThatHangs_IsKilledAtItsTimeout_RecordedFailed_AndPostNeverWaitsForIt()
    {
        var pidFile = Path.Combine(_dir, "hang.pid");
        var script = Scripts.Write(_dir, "hang.sh", $"echo $$ > '{pidFile}'; exec sleep 120");
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(1)))], retries: 0);

        var clock = Stopwatch.StartNew();
        Raise(notifier, "IB_CONNECTIVITY_LOST");
        Raise(notifier, "UNKNOWN_FILL");
        var posted = clock.Elapsed;

        var rows = await WaitDeliveries(2);
        Assert.All(rows, r => Assert.Equal((DeliveryStatus.Failed, 1), (r.Status, r.Attempts)));
        Assert.All(rows, r => Assert.StartsWith("timed out after 1 s; program killed", r.Detail));
        Assert.True(posted < clock.Elapsed - TimeSpan.FromSeconds(1.5), $"Post returned after {posted}, the deliveries took {clock.Elapsed}");
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal),
            $"the hanging program (pid {pid}) is still running");
    }

    [Fact]
    public async Task Command_ThatLeavesABackgroundChildHoldingStdout_FailsThatDelivery_AndLaterAlertsAreStillDelivered()
    {
        // The red-team's paging script: `curl … &; exit 0`. The child keeps the pipes open after the script exits.
        var pidFile = Path.Combine(_dir, "child.pid");
        var script = Scripts.Write(_dir, "page.sh", $"cat > /dev/null; sleep 30 & echo $! >> '{pidFile}'; exit 0");
        await using var hook = new LoopbackWebhook();
        try
        {
            await using var notifier = Notifier([
                new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10))),
                new WebhookChannel(new WebhookNotifierSettings("ops-hook", new Uri(hook.Url), TimeSpan.FromSeconds(5)), new HttpClient())], retries: 0);

            var first = Raise(notifier, "BROKER_DISCONNECTED");
            var second = Raise(notifier, "RISK_HALT");

            var rows = await WaitDeliveries(4);
            Assert.Equal(2, rows.Count(r => r.Channel == "ops-hook" && r.Status == DeliveryStatus.Sent));
            var pager = rows.Where(r => r.Channel == "pager").ToList();
            Assert.Equal([first.Id, second.Id], pager.Select(r => r.AlertId).Order());
            Assert.All(pager, r => Assert.Equal((DeliveryStatus.Failed, "exited 0 but kept stdout/stderr open (a background child?)"), (r.Status, r.Detail)));
        }
        finally
        {
            foreach (var line in File.Exists(pidFile) ? File.ReadAllLines(pidFile) : [])
                try { Process.GetProcessById(int.Parse(line.Trim(), System.Globalization.CultureInfo.InvariantCulture)).Kill(); }
                catch (ArgumentException) { } // already gone
        }
    }

    [Fact]
    public async Task Channel_ThatThrowsAnUnexpectedException_IsRecordedFailed_AndTheNextAlertIsStillSent()
    {
        var channel = new ThrowsOnceChannel("buggy");
        await using var notifier = Notifier([channel], retries: 0);

        var first = Raise(notifier, "BROKER_DISCONNECTED");
        var second = Raise(notifier, "RISK_HALT");

        // The first is owed to the channel: sent again once the second went through.
        var rows = await WaitDeliveries(3);
        var failed = Assert.Single(rows, r => r.AlertId == first.Id && r.Status == DeliveryStatus.Failed);
        Assert.Contains("NotSupportedException: a bug in a channel", failed.Detail);
        Assert.Equal(DeliveryStatus.Sent, Assert.Single(rows, r => r.AlertId == second.Id).Status);
        Assert.Single(rows, r => r.AlertId == first.Id && r.Status == DeliveryStatus.Sent);
    }

    /// <summary>A channel with a bug: its first send throws what no channel is meant to throw.</summary>
    private sealed class ThrowsOnceChannel(string name) : IAlertChannel
    {
        private int _calls;

        public string Name => name;

        public Task SendAsync(string json, CancellationToken ct) =>
            Interlocked.Increment(ref _calls) == 1 ? throw new NotSupportedException("a bug in a channel") : Task.CompletedTask;
    }

    [Fact]
    public async Task FullQueue_TheOverflowIsItselfRecordedAsAFailedDelivery()
    {
        var script = Scripts.Write(_dir, "slow.sh", "cat > /dev/null; sleep 2");
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10)))], retries: 0, capacity: 1);

        for (var i = 0; i < 5; i++) Raise(notifier, $"ALERT_{i}");

        var rows = await WaitDeliveries(5, 40_000);
        Assert.True(notifier.Dropped >= 3, $"dropped {notifier.Dropped}");
        Assert.Equal(notifier.Dropped, rows.Count(r => r.Status == DeliveryStatus.Failed && r.Detail.Contains("notifier queue is full", StringComparison.Ordinal)));
        Assert.Contains(rows, r => r.Status == DeliveryStatus.Sent);
    }

    [Fact]
    public async Task HungWebhook_NeverHoldsUpTheCommandChannel_WhichGetsTheCriticalBeforeTheWaitingInfos()
    {
        // The webhook takes every request and never answers; its one attempt lasts 30 s, far beyond this test's waits.
        await using var hook = new LoopbackWebhook { Hang = true };
        var log = Path.Combine(_dir, "paged.log");
        var script = Scripts.Write(_dir, "page.sh", $"cat >> '{log}'; echo >> '{log}'; sleep 0.3");
        await using var notifier = Notifier([
            new WebhookChannel(new WebhookNotifierSettings("ops-hook", new Uri(hook.Url), TimeSpan.FromSeconds(30)), new HttpClient()),
            new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10)))], retries: 0);

        Raise(notifier, "INFO_1", AlertSeverity.Info);
        Raise(notifier, "INFO_2", AlertSeverity.Info);
        Raise(notifier, "INFO_3", AlertSeverity.Info);
        Raise(notifier, "RISK_HALT");

        var paged = await WaitPaged(log, 4);
        Assert.True(paged.IndexOf("RISK_HALT") <= 1, $"paged in the order {string.Join(", ", paged)}"); // INFO_1 may be in flight already
        Assert.Equal(["INFO_1", "INFO_2", "INFO_3", "RISK_HALT"], paged.Order());
        var rows = await WaitDeliveries(4);
        Assert.All(rows, r => Assert.Equal(("pager", DeliveryStatus.Sent), (r.Channel, r.Status))); // the webhook's first attempt still hangs
    }

    [Fact]
    public async Task FullQueue_EvictsTheOldestNonCriticalToMakeRoomForACritical_WhichGoesFirst()
    {
        var log = Path.Combine(_dir, "paged.log");
        var script = Scripts.Write(_dir, "slow.sh", $"cat >> '{log}'; echo >> '{log}'; sleep 1");
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10)))], retries: 0, capacity: 2);

        Raise(notifier, "INFO_A", AlertSeverity.Info);
        await WaitPaged(log, 1); // INFO_A in flight: the queue is empty
        var b = Raise(notifier, "INFO_B", AlertSeverity.Info);
        Raise(notifier, "INFO_C", AlertSeverity.Info);
        Raise(notifier, "RISK_HALT"); // the queue is full: INFO_B goes

        Assert.Equal(["INFO_A", "RISK_HALT", "INFO_C"], await WaitPaged(log, 3));
        var rows = await WaitDeliveries(4);
        var dropped = Assert.Single(rows, r => r.Status == DeliveryStatus.Failed);
        Assert.Equal(b.Id, dropped.AlertId);
        Assert.Contains("notifier queue is full", dropped.Detail);
        Assert.Equal(1, notifier.Dropped);
    }

    // The codes a paging script appended to its log, one JSON alert a line, in the order it ran.
    private static async Task<List<string>> WaitPaged(string log, int n, int timeoutMs = 20_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var text = File.Exists(log) ? await File.ReadAllTextAsync(log) : "";
            var codes = text.Split('\n')[..^1].Where(l => l.Trim().Length > 0) // the last piece may be half written
                .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("code").GetString()!).ToList();
            if (codes.Count >= n) return codes;
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"{codes.Count} of {n} alerts paged: {string.Join(", ", codes)}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Channel_ThatStopsDelivering_IsReportedWithItsError_OnceOnly_ThenReportedAgainWhenItDelivers()
    {
        // Fails until the flag file exists (the relay comes back), then delivers.
        var flag = Path.Combine(_dir, "relay-up");
        var script = Scripts.Write(_dir, "mail.sh", $"cat > /dev/null; [ -e '{flag}' ] && exit 0; echo 'smtp relay down' >&2; exit 3");
        var reports = new System.Collections.Concurrent.ConcurrentQueue<(string Channel, string? Failure)>();
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("mail", [script], TimeSpan.FromSeconds(10)))], retries: 0,
            channelHealth: (c, f) => reports.Enqueue((c, f)));

        Raise(notifier, "BROKER_DISCONNECTED");
        Raise(notifier, "RISK_HALT");
        await WaitDeliveries(2);
        File.WriteAllText(flag, "");
        Raise(notifier, "RISK_CLEARED", AlertSeverity.Info);
        await WaitDeliveries(3);
        await Task.Delay(100); // the report follows the recorded outcome

        Assert.Equal([("mail", "exit code 3: smtp relay down"), ("mail", null)], reports.ToArray());
    }

    // A pager relay down for longer than the retries (1 + 2 + 4 s by default) when a critical came: its delivery failed
    // and it was never tried again for the life of the process — the next alert that went through turned the light back
    // GREEN while the critical had reached no one (only a restart re-sent it).
    [Fact]
    public async Task Channel_DownWhenACriticalCame_SendsItOnceItDeliversAgain()
    {
        var flag = Path.Combine(_dir, "relay-up");
        var log = Path.Combine(_dir, "paged.log");
        var script = Scripts.Write(_dir, "page.sh", $"[ -e '{flag}' ] || {{ cat > /dev/null; echo 'relay down' >&2; exit 3; }}; cat >> '{log}'; echo >> '{log}'");
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10)))], retries: 0);

        var halt = Raise(notifier, "ORDER_OUTCOME_UNKNOWN");
        Assert.Equal(DeliveryStatus.Failed, Assert.Single(await WaitDeliveries(1)).Status);
        File.WriteAllText(flag, "");
        Raise(notifier, "MARKET_DATA_RESTORED", AlertSeverity.Info);

        Assert.Equal(["MARKET_DATA_RESTORED", "ORDER_OUTCOME_UNKNOWN"], await WaitPaged(log, 2));
        var rows = await WaitDeliveries(3);
        Assert.Contains(rows, r => r.AlertId == halt.Id && r.Status == DeliveryStatus.Sent);
    }

    // The same with nothing else to send: the owed critical is tried again on its own, and goes out once the relay is up.
    [Fact]
    public async Task Channel_DownWhenACriticalCame_NothingElseComes_IsTriedAgain_AndSentOnceUp()
    {
        var flag = Path.Combine(_dir, "relay-up");
        var log = Path.Combine(_dir, "paged.log");
        var script = Scripts.Write(_dir, "page.sh", $"[ -e '{flag}' ] || {{ cat > /dev/null; echo 'relay down' >&2; exit 3; }}; cat >> '{log}'; echo >> '{log}'");
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10)))], retries: 0,
            retryOwedEvery: TimeSpan.FromSeconds(0.3));

        var halt = Raise(notifier, "ORDER_OUTCOME_UNKNOWN");
        Assert.Equal(DeliveryStatus.Failed, Assert.Single(await WaitDeliveries(1)).Status);
        File.WriteAllText(flag, "");

        Assert.Equal(["ORDER_OUTCOME_UNKNOWN"], await WaitPaged(log, 1));
        Assert.Contains(await WaitDeliveries(2), r => r.AlertId == halt.Id && r.Status == DeliveryStatus.Sent);
    }

    // A pager relay down at 3 a.m.: the operator saw the halt in the console and acknowledged it; when the relay came back
    // the owed critical was paged anyway — a page for something already handled. What is still unacknowledged goes out.
    [Fact]
    public async Task Channel_DownWhenAlertsCame_OnceItDeliversAgain_SendsOnlyTheUnacknowledged()
    {
        var flag = Path.Combine(_dir, "relay-up");
        var log = Path.Combine(_dir, "paged.log");
        var script = Scripts.Write(_dir, "page.sh", $"[ -e '{flag}' ] || {{ cat > /dev/null; echo 'relay down' >&2; exit 3; }}; cat >> '{log}'; echo >> '{log}'");
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10)))], retries: 0);

        var handled = Raise(notifier, "ORDER_OUTCOME_UNKNOWN");
        Raise(notifier, "RISK_HALT");
        await WaitDeliveries(2);
        Assert.Equal(AcknowledgeOutcome.Acknowledged, AlertAcknowledgement.Acknowledge(StorePath, handled.Id, "trader", Bifrost.Daemon.Engine.EngineClock.WallNanos()));
        File.WriteAllText(flag, "");
        Raise(notifier, "MARKET_DATA_RESTORED", AlertSeverity.Info);

        Assert.Equal(["MARKET_DATA_RESTORED", "RISK_HALT"], await WaitPaged(log, 2));
        await Task.Delay(500);
        Assert.Equal(["MARKET_DATA_RESTORED", "RISK_HALT"], await WaitPaged(log, 2));
    }

    // The same with nothing else to send: the retry on its own skips the acknowledged critical (tried first before) and
    // sends the unacknowledged warning behind it.
    [Fact]
    public async Task Channel_DownWhenAlertsCame_NothingElseComes_TheRetrySkipsTheAcknowledged()
    {
        var flag = Path.Combine(_dir, "relay-up");
        var log = Path.Combine(_dir, "paged.log");
        var script = Scripts.Write(_dir, "page.sh", $"[ -e '{flag}' ] || {{ cat > /dev/null; echo 'relay down' >&2; exit 3; }}; cat >> '{log}'; echo >> '{log}'");
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10)))], retries: 0,
            retryOwedEvery: TimeSpan.FromSeconds(0.3));

        Raise(notifier, "WIDE_QUOTE", AlertSeverity.Warning);
        var handled = Raise(notifier, "ORDER_OUTCOME_UNKNOWN");
        await WaitDeliveries(2);
        Assert.Equal(AcknowledgeOutcome.Acknowledged, AlertAcknowledgement.Acknowledge(StorePath, handled.Id, "trader", Bifrost.Daemon.Engine.EngineClock.WallNanos()));
        File.WriteAllText(flag, "");

        Assert.Equal(["WIDE_QUOTE"], await WaitPaged(log, 1));
        await Task.Delay(1000);
        Assert.Equal(["WIDE_QUOTE"], await WaitPaged(log, 1));
    }

    // A slow pager with a halt waiting behind an alert in flight: the operator acknowledged the halt in the console, and it
    // was paged anyway once the channel got to it.
    [Fact]
    public async Task AlertWaitingBehindASlowChannel_AcknowledgedMeanwhile_IsNotSent()
    {
        var gate = Path.Combine(_dir, "gate");
        var log = Path.Combine(_dir, "paged.log");
        var script = Scripts.Write(_dir, "page.sh", $"cat >> '{log}'; echo >> '{log}'; while [ ! -e '{gate}' ]; do sleep 0.05; done");
        await using var notifier = Notifier([new CommandChannel(new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(30)))], retries: 0);

        Raise(notifier, "MARKET_DATA_STALE", AlertSeverity.Warning);
        Assert.Equal(["MARKET_DATA_STALE"], await WaitPaged(log, 1)); // in flight until the gate opens
        var handled = Raise(notifier, "RISK_HALT");
        await _store.FlushAsync();
        Assert.Equal(AcknowledgeOutcome.Acknowledged, AlertAcknowledgement.Acknowledge(StorePath, handled.Id, "trader", Bifrost.Daemon.Engine.EngineClock.WallNanos()));
        File.WriteAllText(gate, "");
        Raise(notifier, "MARKET_DATA_RESTORED", AlertSeverity.Info);

        Assert.Equal(["MARKET_DATA_STALE", "MARKET_DATA_RESTORED"], await WaitPaged(log, 2));
        await Task.Delay(300);
        Assert.Equal(2, (await WaitPaged(log, 2)).Count);
    }

    [Fact]
    public async Task AtStart_TheAlertsAChannelNeverGot_AreSentAgain_OnlyThoseOfTheLastDayAtOrAboveMinSeverity()
    {
        // What a killed daemon left in its store: one delivery failed, one sent, one cut off before any outcome.
        var now = Bifrost.Daemon.Engine.EngineClock.WallNanos();
        const long Minute = 60_000_000_000;
        AlertHandle Stored(string code, long time, AlertSeverity severity = AlertSeverity.Critical, DeliveryStatus? outcome = null)
        {
            var handle = new AlertHandle();
            Assert.True(_store.RaiseAlert(new AlertRecord(time, severity, code, $"{code} happened"), handle));
            if (outcome is { } o) _store.RecordDelivery(handle, new AlertDeliveryRecord(0, "pager", o, 4, o == DeliveryStatus.Failed ? "exit code 3" : "", time));
            return handle;
        }
        var failed = Stored("ORDER_REJECTED", now - 30 * Minute, outcome: DeliveryStatus.Failed);
        Stored("RISK_HALT", now - 20 * Minute, outcome: DeliveryStatus.Sent);
        var cut = Stored("UNKNOWN_FILL", now - 10 * Minute);
        Stored("BOOK_MISMATCH", now - 25 * 60 * Minute); // older than a day
        Stored("MARKET_CLOSED", now - 5 * Minute, AlertSeverity.Info); // below min_severity
        await _store.FlushAsync();

        var log = Path.Combine(_dir, "paged.log");
        var script = Scripts.Write(_dir, "page.sh", $"cat >> '{log}'; echo >> '{log}'");
        var settings = new AlertSettings([new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10))], 0, TimeSpan.FromSeconds(0.05),
            AlertSeverity.Warning, 100);
        await using var notifier = new AlertNotifier(settings, [new CommandChannel((CommandNotifierSettings)settings.Notifiers[0])],
            (h, d) => _store.RecordDelivery(h, d), new AlertJson("DU1234567", "paper", "t1"), NullLogger.Instance);

        Notifiers.ResendUndelivered(notifier, settings, StorePath, now, NullLogger.Instance);

        Assert.Equal(["ORDER_REJECTED", "UNKNOWN_FILL"], await WaitPaged(log, 2));
        var rows = await WaitDeliveries(4);
        Assert.Equal(DeliveryStatus.Sent, Assert.Single(rows, r => r.AlertId == failed.Id && r.Attempts == 1).Status);
        Assert.Equal(DeliveryStatus.Sent, Assert.Single(rows, r => r.AlertId == cut.Id).Status);
        await Task.Delay(300);
        Assert.Equal(2, (await WaitPaged(log, 2)).Count);
    }

    [Fact]
    public async Task BelowMinSeverity_IsNotSent()
    {
        await using var hook = new LoopbackWebhook();
        await using var notifier = Notifier([new WebhookChannel(new WebhookNotifierSettings("h", new Uri(hook.Url), TimeSpan.FromSeconds(5)), new HttpClient())],
            min: AlertSeverity.Critical);

        Raise(notifier, "BROKER_DISCONNECTED", AlertSeverity.Warning);
        Raise(notifier, "RISK_HALT", AlertSeverity.Critical);

        var row = Assert.Single(await WaitDeliveries(1));
        await Task.Delay(300);
        Assert.Single(await WaitDeliveries(1));
        Assert.Equal("RISK_HALT", JsonDocument.Parse(Assert.Single(hook.Bodies)).RootElement.GetProperty("code").GetString());
        Assert.Equal(DeliveryStatus.Sent, row.Status);
    }

    // A pager for criticals beside a mailbox for everything: each channel gets what is at or above its own
    // min_severity, live and when owed alerts are sent again at start.
    [Fact]
    public async Task EachChannel_IsSentWhatIsAtOrAboveItsOwnMinSeverity()
    {
        await using var hook = new LoopbackWebhook();
        var log = Path.Combine(_dir, "paged.log");
        var script = Scripts.Write(_dir, "page.sh", $"cat >> '{log}'; echo >> '{log}'");
        var pager = new CommandNotifierSettings("pager", [script], TimeSpan.FromSeconds(10)) { MinSeverity = AlertSeverity.Critical };
        var mail = new WebhookNotifierSettings("mail", new Uri(hook.Url), TimeSpan.FromSeconds(5));
        var settings = new AlertSettings([pager, mail], 0, TimeSpan.FromSeconds(0.05), AlertSeverity.Info, 100);
        var missed = new AlertHandle();
        Assert.True(_store.RaiseAlert(new AlertRecord(Bifrost.Daemon.Engine.EngineClock.WallNanos(), AlertSeverity.Warning, "UNCLEAN_EXIT", "UNCLEAN_EXIT happened"), missed));
        await _store.FlushAsync();
        await using var notifier = new AlertNotifier(settings, [new CommandChannel(pager), new WebhookChannel(mail, new HttpClient())],
            (h, d) => _store.RecordDelivery(h, d), new AlertJson("DU1234567", "paper", "t1"), NullLogger.Instance);

        Notifiers.ResendUndelivered(notifier, settings, StorePath, Bifrost.Daemon.Engine.EngineClock.WallNanos(), NullLogger.Instance);
        Raise(notifier, "MARKET_CLOSED", AlertSeverity.Info);
        Raise(notifier, "RISK_HALT", AlertSeverity.Critical);

        var rows = await WaitDeliveries(4);
        await Task.Delay(300);
        Assert.Equal(["RISK_HALT"], await WaitPaged(log, 1));
        Assert.Equal(["MARKET_CLOSED", "RISK_HALT", "UNCLEAN_EXIT"],
            hook.Bodies.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("code").GetString()).Order());
        Assert.Equal(4, (await WaitDeliveries(4)).Count);
        Assert.Single(rows, r => r.Channel == "pager");
    }
}
