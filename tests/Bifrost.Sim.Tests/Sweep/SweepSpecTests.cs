using System.Text.Json.Nodes;
using Bifrost.Sim.Backtest;
using Bifrost.Sim.Sweep;

namespace Bifrost.Sim.Tests.Sweep;

public sealed class JsonPathTests
{
    private static JsonNode Doc() => JsonNode.Parse("""{ "strategy": { "rules": [ { "type": "band", "half_width": 50 } ], "lot_size": 1 } }""")!;

    [Fact]
    public void Set_ReplacesAValueInsideAnArray()
    {
        var doc = Doc();
        JsonPath.Set(doc, "strategy.rules[0].half_width", JsonValue.Create(75));
        Assert.Equal(75, (int)JsonPath.Get(doc, "strategy.rules[0].half_width")!);
    }

    [Fact]
    public void Set_MayAddAnOptionalKey()
    {
        var doc = Doc();
        JsonPath.Set(doc, "strategy.cooldown_seconds", JsonValue.Create(3));
        Assert.Equal(3, (int)doc["strategy"]!["cooldown_seconds"]!);
    }

    [Theory]
    [InlineData("strategy.rules[3].half_width", "strategy.rules[3] does not exist")]
    [InlineData("guards.max_spread_bps", "guards does not exist")]
    [InlineData("strategy..x", "empty key")]
    [InlineData("strategy.rules[x]", "bad index")]
    public void Set_BadPath_IsNamed(string path, string expected)
    {
        var e = Assert.Throws<BacktestConfigException>(() => JsonPath.Set(Doc(), path, JsonValue.Create(1)));
        Assert.Contains(expected, e.Message);
    }
}

public sealed class SweepSpecTests
{
    [Fact]
    public void Grid_IsTheCartesianProduct_FirstParameterSlowest()
    {
        var spec = SweepSpec.Parse("""
            { "parameters": [ { "path": "a", "values": [1, 2] }, { "path": "b", "min": 0, "max": 10, "steps": 3 } ] }
            """);
        var runs = spec.Expand().Select(v => string.Join(",", v.Select(SweepResultFile.ValueText))).ToList();
        Assert.Equal(["1,0", "1,5", "1,10", "2,0", "2,5", "2,10"], runs);
    }

    [Fact]
    public void Random_IsSeeded_AndInRange()
    {
        const string text = """{ "method": "random", "samples": 50, "seed": 9, "parameters": [ { "path": "a", "min": 2, "max": 4 }, { "path": "b", "min": 1, "max": 100, "integer": true, "log": true } ] }""";
        var a = SweepSpec.Parse(text).Expand();
        var b = SweepSpec.Parse(text).Expand();
        Assert.Equal(a.Select(v => v[0]!.ToJsonString() + v[1]!.ToJsonString()), b.Select(v => v[0]!.ToJsonString() + v[1]!.ToJsonString()));
        Assert.All(a, v => Assert.InRange(v[0]!.GetValue<double>(), 2, 4));
        Assert.All(a, v => Assert.InRange(v[1]!.GetValue<long>(), 1, 100));
    }

    [Fact]
    public void LatinHypercube_UsesEveryStratumOfEveryParameterOnce()
    {
        var spec = SweepSpec.Parse("""{ "method": "lhs", "samples": 20, "seed": 3, "parameters": [ { "path": "a", "min": 0, "max": 1 }, { "path": "b", "min": 10, "max": 30 } ] }""");
        var runs = spec.Expand();
        Assert.Equal(20, runs.Count);
        Assert.Equal(Enumerable.Range(0, 20), runs.Select(v => (int)(v[0]!.GetValue<double>() * 20)).Order());
        Assert.Equal(Enumerable.Range(0, 20), runs.Select(v => (int)((v[1]!.GetValue<double>() - 10) / 20 * 20)).Order());
    }

    [Theory]
    [InlineData("""{ "parameters": [] }""", "parameters: at least one")]
    [InlineData("""{ "method": "lhs", "parameters": [ { "path": "a", "min": 0, "max": 1 } ] }""", "samples: must be >= 1")]
    [InlineData("""{ "parameters": [ { "path": "a", "min": 0, "max": 1 } ] }""", "steps >= 1")]
    [InlineData("""{ "metric": "luck", "parameters": [ { "path": "a", "values": [1] } ] }""", "metric: unknown 'luck'")]
    [InlineData("""{ "grid": true, "parameters": [ { "path": "a", "values": [1] } ] }""", "grid: unknown key")]
    public void BadSweepFile_IsNamed(string text, string expected)
    {
        var e = Assert.Throws<BacktestConfigException>(() => SweepSpec.Parse(text));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    public void Shard_Parses(string text, int index, int count) => Assert.Equal(new Shard(index, count), Shard.Parse(text));

    [Theory]
    [InlineData("4/4")]
    [InlineData("1")]
    [InlineData("-1/2")]
    public void Shard_Rejects(string text) => Assert.Throws<BacktestConfigException>(() => Shard.Parse(text));

    [Fact]
    public void Shards_PartitionTheRuns()
    {
        var shards = Enumerable.Range(0, 3).Select(i => new Shard(i, 3)).ToList();
        Assert.All(Enumerable.Range(0, 100), run => Assert.Single(shards, s => s.Owns(run)));
    }
}
