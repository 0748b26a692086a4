using System.Globalization;

namespace Bifrost.Sim.Ticks;

/// <summary>A stock without options for a multi-symbol sample: symbol, first price and its own seed.</summary>
public sealed record ExtraStock(string Symbol, double Spot0)
{
    /// <summary><c>SYM</c> or <c>SYM:SPOT</c> (default spot 50).</summary>
    public static ExtraStock Parse(string text)
    {
        var parts = text.Split(':', 2);
        var symbol = parts[0].Trim().ToUpperInvariant();
        if (symbol.Length is 0 or > 12 || !symbol.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
            throw new FormatException($"stock symbol must be 1-12 of A-Z, 0-9, '.', '-', got '{parts[0]}'");
        var spot = 50.0;
        if (parts.Length == 2 && !(double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out spot) && spot > 0 && double.IsFinite(spot)))
            throw new FormatException($"stock spot must be a positive number, got '{parts[1]}'");
        return new ExtraStock(symbol, spot);
    }
}

/// <summary>A multi-symbol synthetic market (portfolio runs, issue 13): the main underlying with its options plus extra
/// stocks, each its own seeded path (no options), merged into one time-ordered stream.</summary>
public static class MultiSymbolGenerator
{
    public static IEnumerable<(Tick Tick, ContractKey Key)> Generate(GeneratorOptions main, IReadOnlyList<ExtraStock> stocks)
    {
        var streams = new List<IEnumerator<(Tick Tick, ContractKey Key)>> { TickGenerator.Generate(main).GetEnumerator() };
        foreach (var (s, i) in stocks.Select((s, i) => (s, i)))
        {
            if (s.Symbol.Equals(main.Symbol, StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"{s.Symbol} is the main symbol already");
            streams.Add(TickGenerator.Generate(main with { Symbol = s.Symbol, Spot0 = s.Spot0, Seed = main.Seed + 7919UL * (ulong)(i + 1), Strikes = [] }).GetEnumerator());
        }
        // k-way merge by timestamp (ties: the stream order), lazily: a multi-day file never sits in memory.
        var queue = new PriorityQueue<int, (long, int)>();
        for (var i = 0; i < streams.Count; i++)
            if (streams[i].MoveNext()) queue.Enqueue(i, (streams[i].Current.Tick.TsNanos, i));
        try
        {
            while (queue.TryDequeue(out var i, out _))
            {
                yield return streams[i].Current;
                if (streams[i].MoveNext()) queue.Enqueue(i, (streams[i].Current.Tick.TsNanos, i));
            }
        }
        finally
        {
            foreach (var s in streams) s.Dispose();
        }
    }

    public static long WriteFile(string path, GeneratorOptions main, IReadOnlyList<ExtraStock> stocks)
    {
        using var w = new TickFileWriter(path);
        foreach (var (tick, key) in Generate(main, stocks)) w.Write(tick, key);
        w.Dispose();
        return w.RowsWritten;
    }
}
