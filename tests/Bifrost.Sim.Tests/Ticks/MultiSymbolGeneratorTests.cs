using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Tests.Ticks;

public class MultiSymbolGeneratorTests
{
    private static readonly GeneratorOptions Small = new() { QuotesPerSecond = 0.2 };

    [Fact]
    public void Generate_ExtraStocks_OneTimeOrderedStream_EachStockItsOwnPath_NoOptionsForThem()
    {
        var rows = MultiSymbolGenerator.Generate(Small, [new ExtraStock("AAA", 50), new ExtraStock("BBB", 80)]).ToList();
        Assert.True(rows.Zip(rows.Skip(1)).All(p => p.First.Tick.TsNanos <= p.Second.Tick.TsNanos), "time-ordered");
        var bySymbol = rows.GroupBy(r => r.Key.Symbol).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(["AAA", "BBB", "XYZ"], bySymbol.Keys.Order());
        Assert.All(bySymbol["AAA"].Concat(bySymbol["BBB"]), r => Assert.False(r.Key.IsOption));
        Assert.Contains(bySymbol["XYZ"], r => r.Key.IsOption);
        Assert.InRange(bySymbol["AAA"][0].Tick.Bid, 45, 55);
        Assert.InRange(bySymbol["BBB"][0].Tick.Bid, 72, 88);
        // The main symbol's ticks are exactly the single-symbol generator's: adding stocks changes nothing for XYZ.
        Assert.Equal(TickGenerator.Generate(Small).Select(r => r.Tick), bySymbol["XYZ"].Select(r => r.Tick));
        Assert.Equal(rows.Select(r => r.Tick), MultiSymbolGenerator.Generate(Small, [new ExtraStock("AAA", 50), new ExtraStock("BBB", 80)]).Select(r => r.Tick));
    }

    [Theory]
    [InlineData("")]
    [InlineData("A B")]
    [InlineData("AAA:-1")]
    [InlineData("AAA:x")]
    public void ExtraStock_BadText_IsRefusedByName(string text) =>
        Assert.Throws<FormatException>(() => ExtraStock.Parse(text));

    [Fact]
    public void ExtraStock_SymbolAndSpot() => Assert.Equal(new ExtraStock("AAA", 12.5), ExtraStock.Parse("aaa:12.5"));
}
