using System.Text.Json;
using Bifrost.Sim.Backtest;

namespace Bifrost.Sim.Tests.Backtest;

/// <summary>The backtest section refuses what it cannot run: a repeated key (JsonDocument would keep the last), and
/// numbers outside their documented range (a clock step rounding to 0 ns divided by zero; 1e300 ms of latency saturated
/// to the default's result; a financing rate of 1e6 made the total Infinity).</summary>
public sealed class BacktestSettingsTests
{
    private static BacktestSettings Parse(string backtest)
    {
        using var doc = JsonDocument.Parse($$"""{ "backtest": { {{backtest}} } }""");
        return BacktestSettings.Parse(doc.RootElement);
    }

    private static string Refusal(string backtest) => Assert.Throws<BacktestConfigException>(() => Parse(backtest)).Message;

    [Fact]
    public void BacktestSettings_WithARepeatedKey_IsRefusedNamingIt()
    {
        var message = Refusal("\"fill_latency_ms\": 10, \"fill_latency_ms\": 1000");
        Assert.Contains("backtest.fill_latency_ms", message);
        Assert.Contains("given twice", message);
    }

    [Fact]
    public void BacktestSetup_WithARepeatedKeyInTheBacktestSection_IsRefused()
    {
        var json = File.ReadAllText(SampleData.BacktestConfig).Replace("\"client_id\": 7,", "\"client_id\": 7, \"client_id\": 8,");
        var e = Assert.Throws<BacktestConfigException>(() => BacktestSetup.FromJson(json));
        Assert.Contains("backtest.client_id", e.Message);
    }

    [Theory]
    [InlineData("clock_seconds", "1e-12")]   // rounds to 0 ns: DivideByZeroException in GridCeil
    [InlineData("clock_seconds", "1e-9")]    // 1 ns steps: the run never finishes
    [InlineData("clock_seconds", "1e300")]
    [InlineData("clock_seconds", "0")]
    [InlineData("curve_seconds", "4e-10")]   // DivideByZeroException in RunStatistics.Bucket
    [InlineData("clock_seconds", "1e9")]
    [InlineData("curve_seconds", "86401")]
    [InlineData("idle_gap_seconds", "1e300")]
    [InlineData("idle_gap_seconds", "0")]
    public void BacktestSettings_WithAClockOrCurveStepOutOfRange_IsRefusedNamingTheKey(string key, string value)
    {
        var message = Refusal($"\"{key}\": {value}");
        Assert.Contains($"backtest.{key}: must be in [", message);
    }

    [Theory]
    [InlineData("fill_latency_ms", "1e300")]
    [InlineData("ack_latency_ms", "1e300")]
    [InlineData("ack_latency_ms", "-1")]
    [InlineData("fill_latency_ms", "3600001")]
    [InlineData("financing_rate", "1e6")]
    [InlineData("financing_rate", "-1e6")]
    [InlineData("financing_rate", "1.5")]
    [InlineData("client_id", "1e10")]
    [InlineData("client_id", "-1")]
    public void BacktestSettings_WithAHugeOrNegativeNumber_IsRefusedNamingTheKey(string key, string value)
    {
        var message = Refusal($"\"{key}\": {value}");
        Assert.Contains($"backtest.{key}: must be in [", message);
    }

    [Fact]
    public void BacktestSettings_AtTheEdgesOfEveryRange_AreAccepted()
    {
        var low = Parse("\"client_id\": 0, \"clock_seconds\": 0.001, \"curve_seconds\": 0.001, \"idle_gap_seconds\": 0.001, \"ack_latency_ms\": 0, \"fill_latency_ms\": 0, \"financing_rate\": -1");
        Assert.Equal(1_000_000, low.ClockNanos);
        Assert.Equal(-1, low.FinancingRate);
        var high = Parse("\"client_id\": 2147483647, \"clock_seconds\": 31536000, \"curve_seconds\": 86400, \"idle_gap_seconds\": 31536000, \"ack_latency_ms\": 3600000, \"fill_latency_ms\": 3600000, \"financing_rate\": 1");
        Assert.Equal(int.MaxValue, high.ClientId);
        Assert.Equal(3_600_000_000_000L, high.FillModel().FillLatencyNanos);
    }
}
