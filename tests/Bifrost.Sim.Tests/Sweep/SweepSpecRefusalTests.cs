using System.Diagnostics;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Sweep;
using Bifrost.Sim.Tests.Backtest;

namespace Bifrost.Sim.Tests.Sweep;

/// <summary>A sweep file is refused, naming the key, before anything runs: repeated keys (a JsonObject threw
/// ArgumentException on them), sizes beyond 1,000,000 runs (they ran until killed), numbers a cast would truncate or
/// wrap, non-boolean flags (GetValue&lt;bool&gt; threw), and paths the base config does not have.</summary>
public sealed class SweepSpecRefusalTests
{
    private static string Refusal(string text) => Assert.Throws<BacktestConfigException>(() => SweepSpec.Parse(text)).Message;

    private const string Range = """{ "path": "strategy.lot_size", "min": 1, "max": 2 }""";

    [Fact]
    public void SweepSpec_WithARepeatedKey_IsRefusedNamingIt()
    {
        var message = Refusal("""{ "parameters": [ { "path": "a", "values": [1] } ], "parameters": [ { "path": "b", "values": [2] } ] }""");
        Assert.Contains("parameters: is given twice", message);
    }

    [Fact]
    public void SweepSpec_WithARepeatedKeyInsideAParameter_IsRefusedNamingItsPath()
    {
        var message = Refusal("""{ "parameters": [ { "path": "a", "values": [1], "values": [2] } ] }""");
        Assert.Contains("parameters[0].values: is given twice", message);
    }

    [Theory]
    [InlineData("random", "1e12")]
    [InlineData("lhs", "2000000000")]
    [InlineData("random", "1000001")]
    public void SweepSpec_WithTooManySamples_IsRefusedBeforeExpanding(string method, string samples)
    {
        var message = Refusal($$"""{ "method": "{{method}}", "samples": {{samples}}, "parameters": [ {{Range}} ] }""");
        Assert.Contains("samples: must be a whole number in [0, 1,000,000]", message);
    }

    [Fact]
    public void SweepSpec_WithAGridOfTwoBillionSteps_IsRefusedNamingSteps()
    {
        var message = Refusal("""{ "parameters": [ { "path": "a", "min": 0, "max": 1, "steps": 2000000000 } ] }""");
        Assert.Contains("parameters[0].steps: must be a whole number", message);
    }

    [Fact]
    public void SweepSpec_WithAGridOverAMillionPoints_IsRefusedWithoutBuildingTheValues()
    {
        var clock = Stopwatch.StartNew();
        // 1000 x 1000 x 1000 points: each axis is allowed, the product is not, and no value may be built to find out.
        var message = Refusal("""
            { "parameters": [ { "path": "a", "min": 0, "max": 1, "steps": 1000 }, { "path": "b", "min": 0, "max": 1, "steps": 1000 },
                              { "path": "c", "min": 0, "max": 1, "steps": 1000 } ] }
            """);
        Assert.Contains("the grid has more than 1,000,000 points (1000 x 1000 x 1000)", message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void SweepSpec_AtTheMillionPointCap_IsAccepted()
    {
        var spec = SweepSpec.Parse("""{ "method": "lhs", "samples": 1000000, "parameters": [ { "path": "a", "min": 0, "max": 1 } ] }""");
        Assert.Equal(1_000_000, spec.Samples);
    }

    [Theory]
    [InlineData("""{ "method": "random", "samples": 2.7, "parameters": [ { "path": "a", "min": 0, "max": 1 } ] }""", "samples: must be a whole number")]
    [InlineData("""{ "method": "random", "samples": -3, "parameters": [ { "path": "a", "min": 0, "max": 1 } ] }""", "samples: must be a whole number")]
    [InlineData("""{ "method": "random", "samples": 2, "seed": -1, "parameters": [ { "path": "a", "min": 0, "max": 1 } ] }""", "seed: must be a whole number")]
    [InlineData("""{ "method": "random", "samples": 2, "seed": 1.5, "parameters": [ { "path": "a", "min": 0, "max": 1 } ] }""", "seed: must be a whole number")]
    [InlineData("""{ "parameters": [ { "path": "a", "min": 0, "max": 1, "steps": 2.5 } ] }""", "parameters[0].steps: must be a whole number")]
    public void SweepSpec_WithAFractionalOrNegativeCount_IsRefusedNamingTheKey(string text, string expected) =>
        Assert.Contains(expected, Refusal(text));

    [Theory]
    [InlineData("""{ "parameters": [ { "path": "a", "min": -1e308, "max": 1e308, "steps": 3 } ] }""", "parameters[0]: max - min must be a finite number")]
    [InlineData("""{ "parameters": [ { "path": "a", "min": "x", "max": 1, "steps": 3 } ] }""", "parameters[0].min: must be a number")]
    public void SweepSpec_WithARangeItCannotSpan_IsRefusedNamingTheParameter(string text, string expected) =>
        Assert.Contains(expected, Refusal(text));

    [Fact]
    public void SweepSpec_WithASeedBeyondDoublePrecision_KeepsItExactly()
    {
        var spec = SweepSpec.Parse("""{ "method": "random", "samples": 2, "seed": 18446744073709551615, "parameters": [ { "path": "a", "min": 0, "max": 1 } ] }""");
        Assert.Equal(ulong.MaxValue, spec.Seed);
    }

    [Theory]
    [InlineData("log", "\"yes\"")]
    [InlineData("integer", "1")]
    public void SweepSpec_WithANonBooleanFlag_IsRefusedNamingTheKey(string key, string value)
    {
        var message = Refusal($$"""{ "parameters": [ { "path": "a", "min": 1, "max": 2, "steps": 2, "{{key}}": {{value}} } ] }""");
        Assert.Contains($"parameters[0].{key}: must be true or false", message);
    }

    [Theory]
    [InlineData("strategy.rules[7].half_width", "strategy.rules[7] does not exist")]
    [InlineData("strategy.rules[0].halfwidth", "halfwidth: unknown key")]
    [InlineData("stratgy.lot_size", "stratgy does not exist")]
    public void SweepPath_NotInTheBaseConfig_IsRefusedNamingIt(string path, string expected)
    {
        var spec = SweepSpec.Parse($$"""{ "parameters": [ { "path": "strategy.lot_size", "values": [1] }, { "path": "{{path}}", "values": [10] } ] }""");
        var e = Assert.Throws<BacktestConfigException>(() => SweepPathCheck.Check(spec, File.ReadAllText(SampleData.BacktestConfig)));
        Assert.Contains($"parameters[1].path '{path}'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void SweepPath_ThatTheBaseLeavesAtItsDefault_IsAccepted()
    {
        // dividend_yield is optional and absent from the sample config: a sweep may still set it.
        Assert.DoesNotContain("dividend_yield", File.ReadAllText(SampleData.BacktestConfig));
        var spec = SweepSpec.Parse("""{ "parameters": [ { "path": "strategy.dividend_yield", "values": [0, 0.01] } ] }""");
        SweepPathCheck.Check(spec, File.ReadAllText(SampleData.BacktestConfig));
        SweepPathCheck.Check(SweepSpec.FromFile(SampleData.SweepSpec), File.ReadAllText(SampleData.BacktestConfig));
    }
}
