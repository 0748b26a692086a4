using System.Collections;
using System.Text.Json.Nodes;
using Bifrost.Daemon.Alerts;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Tests.Alerts;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Store.Records;

namespace Bifrost.Daemon.Tests.Configuration;

public class AlertsConfigTests
{
    private static string With(string alertsJson, string? lockDir = "/tmp/x")
    {
        var root = JsonNode.Parse(TestConfig.Json(7497, "/tmp/bifrost-test.db", conIds: true, lockDir: lockDir))!.AsObject();
        root["alerts"] = JsonNode.Parse(alertsJson);
        return root.ToJsonString();
    }

    private static DaemonSettings Parse(string json) => ConfigLoader.Parse(json, new Hashtable());

    [Fact]
    public void Notifiers_CommandAndWebhook_AreRead_WithDefaults()
    {
        var s = Parse(With("""
            { "notifiers": [ { "type": "command", "command": ["/usr/local/bin/page", "--urgent"], "timeout_seconds": 3 },
                             { "type": "webhook", "name": "slack", "url": "https://hooks.example.invalid/x" } ],
              "retries": 4, "min_severity": "warning" }
            """));
        var a = s.Alerts;
        Assert.Equal((4, AlertSeverity.Warning, 1000), (a.Retries, a.MinSeverity, a.QueueCapacity));
        var c = Assert.IsType<CommandNotifierSettings>(a.Notifiers[0]);
        Assert.Equal(["/usr/local/bin/page", "--urgent"], c.Command);
        Assert.Equal(("command:page", TimeSpan.FromSeconds(3)), (c.Name, c.Timeout));
        var w = Assert.IsType<WebhookNotifierSettings>(a.Notifiers[1]);
        Assert.Equal(("slack", TimeSpan.FromSeconds(5)), (w.Name, w.Timeout));
    }

    // One section-wide min_severity made the operator choose: every info on the pager at 3 a.m., or no info in the
    // mailbox either. Each notifier may set its own; unset, it takes the section's.
    [Fact]
    public void Notifiers_EachMaySetItsOwnMinSeverity_ElseTheSections()
    {
        var a = Parse(With("""
            { "notifiers": [ { "type": "command", "name": "pager", "command": ["/usr/local/bin/page"], "min_severity": "critical" },
                             { "type": "webhook", "name": "mail", "url": "https://hooks.example.invalid/x" } ],
              "min_severity": "info" }
            """)).Alerts;
        Assert.Equal((AlertSeverity.Critical, AlertSeverity.Info), (a.MinFor("pager"), a.MinFor("mail")));
        Assert.Equal((AlertSeverity?)null, a.Notifiers[1].MinSeverity);
    }

    [Fact]
    public void NoAlertsSection_NoNotifiers_EveryAlertStillInTheStore()
    {
        var root = JsonNode.Parse(TestConfig.Json(7497, "/tmp/b.db", conIds: true))!.AsObject();
        root.Remove("alerts");
        Assert.Empty(Parse(root.ToJsonString()).Alerts.Notifiers);
    }

    [Theory]
    [InlineData("""{ "notifiers": [ { "type": "pager" } ] }""", "alerts.notifiers[0].type")]
    [InlineData("""{ "notifiers": [ { "type": "command", "command": [] } ] }""", "alerts.notifiers[0].command")]
    [InlineData("""{ "notifiers": [ { "type": "command", "command": ["page.sh"] } ] }""", "alerts.notifiers[0].command[0]")]
    [InlineData("""{ "notifiers": [ { "type": "command", "command": ["/bin/x", 3] } ] }""", "alerts.notifiers[0].command[1]")]
    [InlineData("""{ "notifiers": [ {}, { "type": "webhook", "url": "ftp://x/y" } ] }""", "alerts.notifiers[0].type")]
    [InlineData("""{ "notifiers": [ { "type": "webhook", "url": "http://127.0.0.1:1/a" }, { "type": "webhook", "url": "not a url" } ] }""", "alerts.notifiers[1].url")]
    [InlineData("""{ "notifiers": [ { "type": "webhook", "url": "http://127.0.0.1:1/a", "timeout_seconds": 1e300 } ] }""", "alerts.notifiers[0].timeout_seconds")]
    [InlineData("""{ "notifiers": [ { "type": "webhook", "url": "http://127.0.0.1:1/a", "headers": {} } ] }""", "alerts.notifiers[0].headers")]
    [InlineData("""{ "notifiers": [ { "type": "webhook", "url": "http://a/" }, { "type": "webhook", "url": "http://a/b" } ] }""", "alerts.notifiers")]
    [InlineData("""{ "notifiers": {} }""", "alerts.notifiers")]
    [InlineData("""{ "retries": -1 }""", "alerts.retries")]
    [InlineData("""{ "retries": "3" }""", "alerts.retries")]
    [InlineData("""{ "min_severity": "loud" }""", "alerts.min_severity")]
    [InlineData("""{ "notifiers": [ { "type": "webhook", "url": "http://127.0.0.1:1/a", "min_severity": "urgent" } ] }""", "alerts.notifiers[0].min_severity")]
    [InlineData("""{ "notifiers": [ { "type": "command", "command": ["/bin/x"], "min_severity": 2 } ] }""", "alerts.notifiers[0].min_severity")]
    [InlineData("""{ "backoff_seconds": 0 }""", "alerts.backoff_seconds")]
    [InlineData("""{ "queue_capacity": 0 }""", "alerts.queue_capacity")]
    [InlineData("""{ "sms": true }""", "alerts.sms")]
    [InlineData("""[]""", "alerts")]
    public void BadAlertsSection_IsRefused_NamingTheKeyPath(string alerts, string key)
    {
        var e = Assert.Throws<DaemonConfigException>(() => Parse(With(alerts)));
        Assert.Equal(key, e.Key);
    }

    [Fact]
    public async Task CheckConfig_BadNotifier_ExitsTwoNamingTheKey()
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-alerts-cfg-").FullName;
        try
        {
            var path = Path.Combine(dir, "bifrost.json");
            await File.WriteAllTextAsync(path, With("""{ "notifiers": [ { "type": "webhook", "url": "gopher://x" } ] }""", dir));
            var error = new StringWriter();
            var saved = Console.Error;
            Console.SetError(error);
            int code;
            try
            {
                code = await DaemonProgram.RunAsync(["check-config", "--config", path], new Hashtable(), CancellationToken.None);
            }
            finally
            {
                Console.SetError(saved);
            }
            Assert.Equal(2, code);
            Assert.Contains("alerts.notifiers[0].url", error.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // A mistyped pager path was accepted: the first alert failed (`could not start …`), so the pager was dead under a GREEN
    // light until the critical it was for. Refused at the start (and by check-config), naming the notifier's key.
    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("not-executable", "is not executable")]
    [InlineData("directory", "is a directory")]
    [InlineData("executable", null)]
    public async Task CheckConfig_ACommandNotifierWhoseProgramCannotRun_ExitsTwoNamingTheKey(string program, string? refusal)
    {
        var dir = Directory.CreateTempSubdirectory("bifrost-alerts-cfg-").FullName;
        try
        {
            var path = Path.Combine(dir, "bifrost.json");
            var page = program == "directory" ? dir : Path.Combine(dir, "page.sh");
            if (program == "executable") Scripts.Write(dir, "page.sh", "cat > /dev/null");
            if (program == "not-executable") await File.WriteAllTextAsync(page, "#!/bin/sh\ncat > /dev/null\n");
            await File.WriteAllTextAsync(path, With($$"""
                { "notifiers": [ { "type": "webhook", "url": "http://127.0.0.1:1/a" },
                                 { "type": "command", "command": [{{System.Text.Json.JsonSerializer.Serialize(page)}}] } ] }
                """, dir));
            var error = new StringWriter();
            var saved = Console.Error;
            Console.SetError(error);
            int code;
            try
            {
                code = await DaemonProgram.RunAsync(["check-config", "--config", path], new Hashtable(), CancellationToken.None);
            }
            finally
            {
                Console.SetError(saved);
            }
            if (refusal is null)
            {
                Assert.Equal(0, code);
                return;
            }
            Assert.Equal(2, code);
            Assert.Contains($"alerts.notifiers[1].command[0]: '{page}' {refusal}", error.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LockDir_DefaultsToAHostDirectory_AndCanBeSet()
    {
        Assert.Equal("/tmp/x", Parse(With("{}", "/tmp/x")).LockDirectory);
        var root = JsonNode.Parse(TestConfig.Json(7497, "/tmp/b.db", conIds: true))!.AsObject();
        root["daemon"]!.AsObject().Remove("lock_dir");
        var dflt = ConfigLoader.Parse(root.ToJsonString(), new Hashtable()).LockDirectory;
        Assert.True(dflt == "/run/bifrost" || dflt.StartsWith("/tmp/bifrost-", StringComparison.Ordinal), dflt);
        var e = Assert.Throws<DaemonConfigException>(() => Parse(With("{}", "")));
        Assert.Equal("daemon.lock_dir", e.Key);
    }

    [Fact]
    public void LockDir_Default_IsTheSameFromALoginShellAsFromCron()
    {
        // Red team: a daemon from a login shell (XDG_RUNTIME_DIR, TMPDIR set) and one from cron/sudo/nohup locked in
        // different directories, so both adopted the account's book and hedged it twice.
        var root = JsonNode.Parse(TestConfig.Json(7497, "/tmp/b.db", conIds: true))!.AsObject();
        root["daemon"]!.AsObject().Remove("lock_dir");
        var xdg = Directory.CreateTempSubdirectory("xdg").FullName;
        try
        {
            var loginShell = ConfigLoader.Parse(root.ToJsonString(), new Hashtable { ["XDG_RUNTIME_DIR"] = xdg, ["TMPDIR"] = xdg }).LockDirectory;
            var cron = ConfigLoader.Parse(root.ToJsonString(), new Hashtable()).LockDirectory;
            Assert.Equal(cron, loginShell);
            Assert.DoesNotContain(xdg, loginShell);
        }
        finally
        {
            Directory.Delete(xdg, recursive: true);
        }
    }
}
