using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Writing;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Tests.Ticks;

public sealed class ContractKeyTests
{
    [Fact]
    public void ConId_IsStable_Positive_AndDistinct()
    {
        var call = ContractKey.Option("XYZ", 'c', 100, 20260320);
        Assert.Equal("XYZ 20260320 C 100", call.ToString());
        Assert.Equal(call.ConId, ContractKey.Option("XYZ", 'C', 100.0, 20260320).ConId);
        Assert.InRange(call.ConId, 1, (1 << 30) - 1);
        Assert.NotEqual(call.ConId, ContractKey.Option("XYZ", 'P', 100, 20260320).ConId);
        Assert.NotEqual(call.ConId, ContractKey.Stock("XYZ").ConId);
    }
}

public sealed class XoshiroTests
{
    [Fact]
    public void SameSeed_SameSequence_InRange()
    {
        var a = new Xoshiro256(42);
        var b = new Xoshiro256(42);
        var c = new Xoshiro256(43);
        var xs = Enumerable.Range(0, 1000).Select(_ => a.NextDouble()).ToList();
        Assert.Equal(xs, Enumerable.Range(0, 1000).Select(_ => b.NextDouble()));
        Assert.NotEqual(xs[0], c.NextDouble());
        Assert.All(xs, x => Assert.InRange(x, 0.0, 0.9999999999));
        Assert.InRange(xs.Average(), 0.45, 0.55);
    }

    [Fact]
    public void Gaussian_HasUnitVariance()
    {
        var r = new Xoshiro256(1);
        var z = Enumerable.Range(0, 20_000).Select(_ => r.NextGaussian()).ToList();
        Assert.InRange(z.Average(), -0.03, 0.03);
        Assert.InRange(z.Select(x => x * x).Average(), 0.96, 1.04);
    }
}

public sealed class TickGeneratorTests
{
    private static readonly GeneratorOptions Small = new() { QuotesPerSecond = 0.2 };

    [Fact]
    public void SameSeed_SameTicks_SortedInTheSession()
    {
        var a = TickGenerator.Generate(Small).ToList();
        var b = TickGenerator.Generate(Small).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a.Take(50), TickGenerator.Generate(Small with { Seed = 1 }).Take(50));
        Assert.True(a.Zip(a.Skip(1)).All(p => p.First.Tick.TsNanos <= p.Second.Tick.TsNanos));
        var open = new DateTimeOffset(2026, 3, 2, 14, 30, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L;
        Assert.All(a, t => Assert.InRange(t.Tick.TsNanos, open, open + 390L * 60 * 1_000_000_000));
        Assert.All(a, t => Assert.True(t.Tick.Ask > t.Tick.Bid && t.Tick.Bid >= 0, $"{t.Key}: {t.Tick}"));
        Assert.Equal(7, a.Select(t => t.Key).Distinct().Count()); // the stock and 3 strikes x 2 rights
    }

    [Fact]
    public void SeveralDays_TheSameOptionsAreQuotedEveryDay()
    {
        var ticks = TickGenerator.Generate(Small with { Days = 3 }).ToList();
        var keys = ticks.Select(t => t.Key).Distinct().ToList();
        Assert.Equal(7, keys.Count); // one expiry for the whole file: no daily roll
        var byDay = ticks.GroupBy(t => DateTimeOffset.FromUnixTimeMilliseconds(t.Tick.TsNanos / 1_000_000).UtcDateTime.Date).ToList();
        Assert.Equal(3, byDay.Count);
        Assert.All(byDay, day => Assert.Equal(7, day.Select(t => t.Key).Distinct().Count()));
        // Still at least ExpiryCalendarDays after the last day.
        var expiry = keys.First(k => k.Kind == InstrumentKind.Option).ExpiryYyyymmdd;
        Assert.True(expiry >= 20260323, $"expiry {expiry}");
    }

    [Fact]
    public void Days_FollowTheNyseCalendar_NoGoodFriday_AHalfDayEndsAt13_AHolidayExpiryMovesToThursday()
    {
        // Wed 2026-04-01 for three trading days: Wed, Thu, then Monday 04-06 (Good Friday 04-03 is a holiday).
        var ticks = TickGenerator.Generate(Small with { FirstDay = new DateOnly(2026, 4, 1), Days = 3 }).ToList();
        var days = ticks.Select(t => DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(t.Tick.TsNanos / 1_000_000).UtcDateTime)).Distinct().ToList();
        Assert.Equal([new DateOnly(2026, 4, 1), new DateOnly(2026, 4, 2), new DateOnly(2026, 4, 6)], days);
        // The day after Thanksgiving closes at 13:00 EST (18:00 UTC): no tick after it.
        var halfDay = TickGenerator.Generate(Small with { FirstDay = new DateOnly(2026, 11, 27) }).ToList();
        var close = new DateTimeOffset(2026, 11, 27, 18, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000L;
        Assert.NotEmpty(halfDay);
        Assert.All(halfDay, t => Assert.True(t.Tick.TsNanos < close, $"{t.Tick.TsNanos} at or after 13:00"));
        Assert.True(halfDay[^1].Tick.TsNanos > close - 10L * 60 * 1_000_000_000, "the half day is quoted to its close");
        // An expiry falling on Good Friday 2027 (03-26) is the Thursday before, as listed options are.
        var expiring = TickGenerator.Generate(Small with { FirstDay = new DateOnly(2027, 3, 1), ExpiryCalendarDays = 25 }).ToList();
        Assert.Equal(20270325, expiring.First(t => t.Key.Kind == InstrumentKind.Option).Key.ExpiryYyyymmdd);
    }

    [Fact]
    public void ConstantVols_RealisedMatchesAndQuotesCarryTheImpliedVol()
    {
        var o = new GeneratorOptions { Days = 5, RealisedVol = 0.3, ImpliedVol = 0.18, Skew = 0.0, QuotesPerSecond = 1.0 };
        var ticks = TickGenerator.Generate(o).ToList();
        // Sampled every 5 minutes: tick to tick, the cent rounding of the last price would add its own variance.
        var stock = ticks.Where(t => t.Key.Kind == InstrumentKind.Stock).Select(t => t.Tick)
            .GroupBy(t => t.TsNanos / 300_000_000_000L).Select(g => g.Last()).ToList();
        // Intraday returns over calendar time (the four overnight gaps hold most of the variance in four samples: too
        // noisy to estimate from); the last price is rounded to cents.
        var sumSq = 0.0;
        var years = 0.0;
        for (var i = 1; i < stock.Count; i++)
        {
            var dt = (stock[i].TsNanos - stock[i - 1].TsNanos) / 1e9;
            if (dt > 3600) continue;
            sumSq += Math.Pow(Math.Log(stock[i].Last / stock[i - 1].Last), 2);
            years += dt / (365.0 * 86_400.0);
        }
        var realised = Math.Sqrt(sumSq / years);
        Assert.InRange(realised, 0.3 * 0.85, 0.3 * 1.15);
        Assert.All(ticks.Where(t => t.Key.Kind == InstrumentKind.Option), t => Assert.Equal(0.18, t.Tick.Iv, 12));
    }

    [Fact]
    public void File_RoundTrips_ThroughTheReader()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-ticks-{Guid.NewGuid():N}.parquet");
        try
        {
            var rows = TickGenerator.WriteFile(path, Small with { Days = 2 });
            var expected = TickGenerator.Generate(Small with { Days = 2 }).ToList();
            using var reader = new TickFileReader(path);
            var read = reader.ReadBatches().SelectMany(b => b).ToList();
            Assert.Equal(rows, read.Count);
            Assert.Equal(expected.Select(e => e.Tick), read);
            Assert.Equal(expected.Select(e => e.Key).Distinct().OrderBy(k => k.ConId), reader.Contracts.Values.OrderBy(k => k.ConId));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public sealed class TickFileReaderTests
{
    private static string Write(string[] names, long[] ts, string?[]? kind = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-ticks-{Guid.NewGuid():N}.parquet");
        ColumnDescriptor[] schema =
        [
            ColumnDescriptor.Create(names[0], ValueKind.TimestampMicros),
            ColumnDescriptor.Create(names[1], ValueKind.String),
            ColumnDescriptor.Create(names[2], ValueKind.String),
            ColumnDescriptor.Create(names[3], ValueKind.Double),
            ColumnDescriptor.Create(names[4], ValueKind.Double),
        ];
        var n = ts.Length;
        using var w = new ParquetFileWriter(path, schema);
        w.WriteRowGroup(new Int64Column(ts), new StringColumn(Enumerable.Repeat<string?>("XYZ", n).ToArray()),
            new StringColumn(kind ?? Enumerable.Repeat<string?>("STK", n).ToArray()),
            new DoubleColumn(Enumerable.Repeat(99.99, n).ToArray()), new DoubleColumn(Enumerable.Repeat(100.01, n).ToArray()));
        return path;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ManyContracts_OverManyRowGroups_ResolveToTheirIds_DictionaryOrPlainStrings(bool dictionaryStrings)
    {
        // 41 contracts (more than the reader's recent-contract memo holds) cycled through 5,000 rows in row groups of
        // 777: every row must come back with its own contract's id, whether each row's strings are shared dictionary
        // instances or fresh plain-encoded ones.
        var keys = Enumerable.Range(80, 40).Select(k => ContractKey.Option("XYZ", k % 2 == 0 ? 'C' : 'P', k, 20260417))
            .Prepend(ContractKey.Stock("XYZ")).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-ticks-{Guid.NewGuid():N}.parquet");
        try
        {
            var expected = new List<Tick>();
            using (var w = new TickFileWriter(path, rowGroupSize: 777, dictionaryStrings: dictionaryStrings))
            {
                for (var i = 0; i < 5_000; i++)
                {
                    // A stride coprime with the count visits the contracts in a shuffled, repeating order.
                    var key = keys[i * 7 % keys.Length];
                    var tick = new Tick(1_000_000L * (i + 1), key.ConId, 1.0 + i % 3, 1.1 + i % 3, double.NaN, 10, 10,
                        key.IsOption ? 0.2 : double.NaN);
                    expected.Add(tick);
                    w.Write(tick, key);
                }
            }
            using var reader = new TickFileReader(path);
            Assert.Equal(expected, reader.ReadBatches().SelectMany(b => b));
            Assert.Equal(keys.OrderBy(k => k.ConId), reader.Contracts.Values.OrderBy(k => k.ConId));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MappedColumns_AndMicroseconds_AreRead()
    {
        var path = Write(["time", "ticker", "type", "bid_px", "ask_px"], [1, 2, 3]);
        try
        {
            var map = new ColumnMapping(new Dictionary<string, string>
            {
                ["ts"] = "time", ["symbol"] = "ticker", ["kind"] = "type", ["bid"] = "bid_px", ["ask"] = "ask_px",
            });
            using var reader = new TickFileReader(path, map);
            var ticks = reader.ReadBatches().SelectMany(b => b).ToList();
            Assert.Equal([1_000L, 2_000, 3_000], ticks.Select(t => t.TsNanos));
            Assert.All(ticks, t => Assert.Equal((ContractKey.Stock("XYZ").ConId, 99.99, 100.01), (t.ConId, t.Bid, t.Ask)));
            Assert.All(ticks, t => Assert.True(double.IsNaN(t.Iv) && double.IsNaN(t.Last)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingColumn_NamesItAndTheMapping()
    {
        var path = Write(["time", "symbol", "kind", "bid", "ask"], [1]);
        try
        {
            var e = Assert.Throws<TickDataException>(() => new TickFileReader(path));
            Assert.Contains("missing required tick column(s) ts", e.Message);
            Assert.Contains(path, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void UnsortedRows_AreAnError_NamingTheRow()
    {
        var path = Write(["ts", "symbol", "kind", "bid", "ask"], [1, 3, 2]);
        try
        {
            using var reader = new TickFileReader(path);
            var e = Assert.Throws<TickDataException>(() => reader.ReadBatches().ToList());
            Assert.Contains("not sorted by ts: row 2", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(253_402_300_799_000_000L)] // 9999-12-31 in micros: wraps around in nanos
    [InlineData(9_223_372_036_854_775L)] // the end of the int64 nanosecond range: the clock would never get there
    [InlineData(-1L)] // before 1970
    public void TimestampOutsideTheSaneRange_IsAnError_NamingTheRow(long micros)
    {
        var path = Write(["ts", "symbol", "kind", "bid", "ask"], [1_767_225_600_000_000L, micros]);
        try
        {
            using var reader = new TickFileReader(path);
            var e = Assert.Throws<TickDataException>(() => reader.ReadBatches().ToList());
            Assert.Contains($"row 1: ts {micros} (TimestampMicros) is outside 1970-01-01 .. 2200-01-01", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TimestampOnTheLastAcceptedDay_IsRead()
    {
        var path = Write(["ts", "symbol", "kind", "bid", "ask"], [1_767_225_600_000_000L, TickFileReader.LatestNanos / 1_000]);
        try
        {
            using var reader = new TickFileReader(path);
            Assert.Equal(TickFileReader.LatestNanos, reader.ReadBatches().SelectMany(b => b).Last().TsNanos);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BadKind_IsAnError()
    {
        var path = Write(["ts", "symbol", "kind", "bid", "ask"], [1], ["FUT"]);
        try
        {
            using var reader = new TickFileReader(path);
            Assert.Contains("kind must be STK or OPT, got 'FUT'", Assert.Throws<TickDataException>(() => reader.ReadBatches().ToList()).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(25.0)] // in percent
    [InlineData(0.0)]
    [InlineData(-0.2)]
    [InlineData(double.PositiveInfinity)]
    public void IvOutsideThePlausibleRange_IsAnError_NamingTheRowAndColumn(double iv)
    {
        var key = ContractKey.Option("XYZ", 'C', 100, 20260417);
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-ticks-{Guid.NewGuid():N}.parquet");
        try
        {
            using (var w = new TickFileWriter(path))
            {
                w.Write(new Tick(1_767_225_600_000_000_000L, key.ConId, 5.4, 5.6, double.NaN, 10, 10, 0.25), key);
                w.Write(new Tick(1_767_225_601_000_000_000L, key.ConId, 5.4, 5.6, double.NaN, 10, 10, iv), key);
            }
            using var reader = new TickFileReader(path);
            var e = Assert.Throws<TickDataException>(() => reader.ReadBatches().ToList());
            Assert.Contains($"row 1: iv {iv} is outside 0.01 .. 5", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The daemon reads a price that is not finite as absent (IbTranslate.PriceValue), but the engine's
    /// guards take an infinite ask as a two-sided quote: a file's Infinity would revalue the book at an infinite spot.</summary>
    [Theory]
    [InlineData("ask", double.PositiveInfinity)]
    [InlineData("bid", double.NegativeInfinity)]
    [InlineData("last", double.PositiveInfinity)]
    [InlineData("ask_size", double.PositiveInfinity)]
    [InlineData("bid_size", -100.0)] // a negative displayed size would fill an order of any size
    public void PriceOrSizeNotFinite_OrANegativeSize_IsAnError_NamingTheRowAndColumn(string column, double value)
    {
        var key = ContractKey.Stock("XYZ");
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-ticks-{Guid.NewGuid():N}.parquet");
        try
        {
            var good = new Tick(1_767_225_600_000_000_000L, key.ConId, 99.99, 100.01, 100.0, 300, 300, double.NaN);
            var bad = column switch
            {
                "ask" => good with { Ask = value },
                "bid" => good with { Bid = value },
                "last" => good with { Last = value },
                "ask_size" => good with { AskSize = value },
                _ => good with { BidSize = value },
            };
            using (var w = new TickFileWriter(path))
            {
                w.Write(good, key);
                w.Write(bad with { TsNanos = good.TsNanos + 1_000_000_000L }, key);
            }
            using var reader = new TickFileReader(path);
            var e = Assert.Throws<TickDataException>(() => reader.ReadBatches().ToList());
            Assert.Contains($"row 1: {column} {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void IvMissingOrAFraction_IsRead()
    {
        var key = ContractKey.Option("XYZ", 'P', 100, 20260417);
        var path = Path.Combine(Path.GetTempPath(), $"bifrost-ticks-{Guid.NewGuid():N}.parquet");
        try
        {
            using (var w = new TickFileWriter(path))
            {
                w.Write(new Tick(1_767_225_600_000_000_000L, key.ConId, 5.4, 5.6, double.NaN, 10, 10, double.NaN), key);
                w.Write(new Tick(1_767_225_601_000_000_000L, key.ConId, 5.4, 5.6, double.NaN, 10, 10, 0.25), key);
            }
            using var reader = new TickFileReader(path);
            Assert.Equal(2, reader.ReadBatches().SelectMany(b => b).Count());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
