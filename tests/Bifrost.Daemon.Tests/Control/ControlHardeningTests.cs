using System.Collections;
using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Control;
using Bifrost.Daemon.Tests.EndToEnd;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.Records;

namespace Bifrost.Daemon.Tests.Control;

/// <summary>The cancel control's arguments, control ids too large for an order ref, the writer's OS user, and a fuzz over
/// thousands of hostile rows: each is an event or a refusal (FormatException), never another exception.</summary>
public class ControlHardeningTests
{
    private static readonly Config Cfg = ConfigLoader.Parse(TestConfig.Json(port: 1, storePath: "x.db", conIds: true), new Hashtable()).Preview;
    private static readonly ContractTable Contracts = ContractTable.From(Cfg);

    private static EventPayload Parse(ControlCommandKind kind, string args, long id = 42, string? osUser = null) =>
        ControlArgs.Parse(new ControlCommand(id, 0, kind, args, "ops@tui", ControlStatus.Taken, null, null, null, osUser), Cfg, Contracts);

    [Fact]
    public void Cancel_ByRunOrByOrderRef_BecomesTheCancelControl()
    {
        var run = (EventPayload.ControlRequested)Parse(ControlCommandKind.Cancel, """{"run_id": "t1-man7"}""");
        Assert.Equal(Bifrost.Domain.Trading.Control.NewCancelRun("t1-man7"), run.Item1);
        var one = (EventPayload.ControlRequested)Parse(ControlCommandKind.Cancel, """{"order_ref": "oi_t1_3"}""");
        Assert.Equal(Bifrost.Domain.Trading.Control.NewCancelOrderRef("oi_t1_3"), one.Item1);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"run_id": "a", "order_ref": "b"}""")]
    [InlineData("""{"run_id": "has space"}""")]
    [InlineData("""{"run_id": 7}""")]
    public void Cancel_WithBadArguments_IsRefused(string args) =>
        Assert.Throws<FormatException>(() => Parse(ControlCommandKind.Cancel, args));

    // −2147483648 fits an int: as a rebalance target it reached the engine, whose abs() overflowed, and the daemon died
    // (exit 1, restarted by systemd, the control refused as abandoned).
    [Theory]
    [InlineData(ControlCommandKind.Rebalance, """{"targets": [{"contract": "XYZ", "quantity": -2147483648}]}""", "targets[0].quantity")]
    [InlineData(ControlCommandKind.Rebalance, """{"targets": [{"contract": "XYZ", "quantity": 10000001}]}""", "targets[0].quantity")]
    [InlineData(ControlCommandKind.ConfirmBook, """{"legs": [{"contract": "XYZ", "quantity": -2147483648}]}""", "legs[0].quantity")]
    [InlineData(ControlCommandKind.ManualOrder, """{"contract": "XYZ", "side": "buy", "quantity": 2147483647}""", "quantity")]
    public void AQuantityBeyondTenMillion_IsRefusedNamingTheField(ControlCommandKind kind, string args, string field)
    {
        var e = Assert.Throws<FormatException>(() => Parse(kind, args));
        Assert.StartsWith(field + ":", e.Message);
        Assert.Contains("10,000,000", e.Message);
        var ok = (EventPayload.RebalanceRequested)Parse(ControlCommandKind.Rebalance, """{"targets": [{"contract": "XYZ", "quantity": -10000000}]}""");
        Assert.NotNull(ok);
    }

    [Fact]
    public void ManualOrder_WithAControlIdTooLargeForAnOrderRef_IsRefused()
    {
        var args = """{"contract": "XYZ", "side": "buy", "quantity": 1}""";
        Parse(ControlCommandKind.ManualOrder, args, id: ConfigModule.maxRunControlId);
        var e = Assert.Throws<FormatException>(() => Parse(ControlCommandKind.ManualOrder, args, id: 9_007_199_254_740_992));
        Assert.Contains("could not be minted", e.Message);
    }

    [Fact]
    public void RequestedBy_CarriesTheWritersOsUser()
    {
        var e = (EventPayload.ControlRequested)Parse(ControlCommandKind.Pause, "{}", osUser: "alice");
        Assert.Equal("ops@tui (os user alice)", e.Item2.RequestedBy);
    }

    /// <summary>Thousands of hostile control rows: every one parses or is refused with FormatException.</summary>
    [Fact]
    public void Fuzz_HostileControlRows_AreEventsOrRefusals_NeverAnotherException()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("BIFROST_FUZZ_SEED"), out var s) ? s : Environment.TickCount;
        var rng = new Random(seed);
        string[] keys = ["contract", "con_id", "side", "quantity", "type", "limit", "risk_bypass", "targets", "run_id", "order_ref", "", "\u0000"];
        string[] values = ["\"XYZ\"", "\"XYZ 20260320 C 100\"", "\"buy\"", "\"sell\"", "1", "-1", "0", "2147483648", "1e300", "-1e-300", "1e-300", "null",
            "true", "[]", "{}", "\"lmt\"", "\"mkt\"", "[{\"contract\": \"XYZ\", \"quantity\": 1e300}]", "[{}]", "\"\"", "\"\\u0000\"", "NaN", "\"x y\"",
            $"{TestConfig.StockId}", "9223372036854775807", "\"" + new string('a', 5000) + "\""];
        var kinds = Enum.GetValues<ControlCommandKind>();
        var refused = 0;
        for (var i = 0; i < 5_000; i++)
        {
            var n = rng.Next(6);
            var body = string.Join(", ", Enumerable.Range(0, n).Select(_ => $"\"{keys[rng.Next(keys.Length)]}\": {values[rng.Next(values.Length)]}"));
            var args = rng.Next(10) switch { 0 => body, 1 => "[" + body + "]", 2 => "{" + body, _ => "{" + body + "}" };
            var kind = kinds[rng.Next(kinds.Length)];
            long id = rng.Next(4) == 0 ? rng.NextInt64() : rng.Next(1, 1000);
            try
            {
                Parse(kind, args, id);
            }
            catch (FormatException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed} case {i}: {kind} {args} (id {id}) threw {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(refused > 1_000, $"seed {seed}: only {refused} refusals");
    }
}
