using System.Globalization;
using Bifrost.Domain.Pricing;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Reading;
using Bifrost.Store.Files;

namespace Bifrost.Sim.Ticks;

/// <summary>Streams a Parquet tick file in the canonical schema, one row group at a time (memory bounded by the
/// largest row group), as time-ordered <see cref="Tick"/> batches. Rows must be sorted by ts.</summary>
public sealed class TickFileReader : IDisposable
{
    private readonly ParquetFileReader _file;
    private readonly ColumnMapping _map;
    private readonly string[] _projection;
    private readonly Dictionary<(string, string, string?, double, int), int> _idCache = new();
    private readonly Dictionary<int, ContractKey> _contracts = new();
    // The last contracts resolved, matched by string reference: a dictionary-encoded column gives every row of one
    // value the same string instance, so a row costs a few compares instead of hashing three strings. A miss (plain
    // encoded strings, a new row group's dictionary) falls back to the content-keyed cache.
    private readonly RecentContract[] _recent = new RecentContract[16];
    private int _recentNext;
    private long _lastTs = long.MinValue;
    private long _rowsRead;

    private readonly TickBatchPool? _pool;

    /// <param name="pool">Where batch arrays come from (recycled by a consumer that returns them); none: each batch is
    /// a new array the caller may keep.</param>
    public TickFileReader(string path, ColumnMapping? mapping = null, TickBatchPool? pool = null)
    {
        Path = path;
        _pool = pool;
        _map = mapping ?? ColumnMapping.Identity;
        // Checked before the open: a named pipe's open waits for a writer (a backtest or the gateway that never began).
        if (RegularFile.Problem(path) is { } notAFile) throw new TickDataException($"tick data: {notAFile}");
        _file = ParquetFileReader.Open(path);
        var names = _file.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var missing = TickSchema.Required.Where(c => !names.Contains(_map[c])).Select(c => _map[c] == c ? c : $"{c} (mapped to '{_map[c]}')").ToList();
        if (missing.Count > 0)
            throw new TickDataException($"{path}: missing required tick column(s) {string.Join(", ", missing)}; columns present: {string.Join(", ", names)}");
        _projection = TickSchema.All.Where(c => names.Contains(_map[c])).Select(c => _map[c]).ToArray();
    }

    public string Path { get; }
    public long RowCount => _file.RowCount;

    /// <summary>Every contract seen so far, by contract id.</summary>
    public IReadOnlyDictionary<int, ContractKey> Contracts => _contracts;

    /// <summary>Scans only the identity columns to list the file's contracts (cheap: projection).</summary>
    public static IReadOnlyDictionary<int, ContractKey> ScanContracts(string path, ColumnMapping? mapping = null)
    {
        using var r = new TickFileReader(path, mapping);
        foreach (var _ in r.ReadBatches()) { }
        return new Dictionary<int, ContractKey>(r._contracts);
    }

    public IEnumerable<Tick[]> ReadBatches()
    {
        // Recycled: Convert copies each batch into Tick rows before the next is read.
        foreach (var batch in _file.ReadRowGroupsRecycled(_projection))
            yield return Convert(batch);
    }

    private Tick[] Convert(RowGroupBatch b)
    {
        var n = b.RowCount;
        var ts = Timestamps(b);
        var symbol = b.Get<StringColumn>(_map[TickSchema.Symbol]);
        var kind = b.Get<StringColumn>(_map[TickSchema.Kind]);
        var right = Optional<StringColumn>(b, TickSchema.Right);
        var strike = Doubles(b, TickSchema.Strike, n);
        var expiry = Expiries(b, n);
        var bid = Doubles(b, TickSchema.Bid, n);
        var ask = Doubles(b, TickSchema.Ask, n);
        var last = Doubles(b, TickSchema.Last, n);
        var bidSize = Doubles(b, TickSchema.BidSize, n);
        var askSize = Doubles(b, TickSchema.AskSize, n);
        var iv = Doubles(b, TickSchema.Iv, n);
        Refuse(bid, n, TickSchema.Bid, size: false);
        Refuse(ask, n, TickSchema.Ask, size: false);
        Refuse(last, n, TickSchema.Last, size: false);
        Refuse(bidSize, n, TickSchema.BidSize, size: true);
        Refuse(askSize, n, TickSchema.AskSize, size: true);
        var ticks = _pool?.Rent(n) ?? new Tick[n]; // every element is written below
        for (var i = 0; i < n; i++)
        {
            var rowNo = _rowsRead + i;
            if (ts[i] < _lastTs)
                throw new TickDataException($"{Path}: rows are not sorted by ts: row {rowNo} has ts {ts[i]} after {_lastTs}");
            _lastTs = ts[i];
            var sym = symbol.ValueAt(i) ?? throw new TickDataException($"{Path}: row {rowNo}: symbol is null");
            var k = kind.ValueAt(i) ?? throw new TickDataException($"{Path}: row {rowNo}: kind is null");
            var conId = Recent(sym, k, right?.ValueAt(i), strike[i], expiry[i]) ?? Remember(sym, k, right?.ValueAt(i), strike[i], expiry[i], rowNo);
            // An iv the engine would not take (in percent, say: 25 for 0.25) is refused, not replayed as a 2,500 % vol.
            if (!double.IsNaN(iv[i]) && !ImpliedVol.isPlausible(iv[i]))
                throw new TickDataException($"{Path}: row {rowNo}: {TickSchema.Iv} {iv[i]} is outside {ImpliedVol.plausibleMin} .. {ImpliedVol.plausibleMax} (a fraction: 0.25 is 25 %)");
            ticks[i] = new Tick(ts[i], conId, bid[i], ask[i], last[i], bidSize[i], askSize[i], iv[i]);
        }
        _rowsRead += n;
        return ticks;
    }

    /// <summary>Absent is null. An infinite price is refused, not replayed: the daemon reads IB's as absent, but the
    /// engine's guards take an infinite ask as a two-sided quote (an infinite spot, drawdown and delta P&amp;L). A size
    /// that is infinite or negative is refused too: the fill model would fill an order of any size against it.</summary>
    private void Refuse(double[] values, int n, string canonical, bool size)
    {
        for (var i = 0; i < n; i++)
        {
            var v = values[i];
            if (double.IsInfinity(v) || (size && v < 0))
                throw new TickDataException($"{Path}: row {_rowsRead + i}: {canonical} {v.ToString(CultureInfo.InvariantCulture)} is not {(size ? "a size (>= 0, finite)" : "a finite price")}; an absent value is null");
        }
    }

    private int? Recent(string symbol, string kind, string? right, double strike, int expiry)
    {
        foreach (ref readonly var r in _recent.AsSpan())
            if (ReferenceEquals(r.Symbol, symbol) && ReferenceEquals(r.Kind, kind) && ReferenceEquals(r.Right, right)
                && r.Strike.Equals(strike) && r.Expiry == expiry)
                return r.Id;
        return null;
    }

    private int Remember(string symbol, string kind, string? right, double strike, int expiry, long row)
    {
        var id = Resolve(symbol, kind, right, strike, expiry, row);
        _recent[_recentNext] = new RecentContract(symbol, kind, right, strike, expiry, id);
        _recentNext = (_recentNext + 1) % _recent.Length;
        return id;
    }

    private readonly record struct RecentContract(string? Symbol, string? Kind, string? Right, double Strike, int Expiry, int Id);

    private int Resolve(string symbol, string kind, string? right, double strike, int expiry, long row)
    {
        var cacheKey = (symbol, kind, right, double.IsNaN(strike) ? 0 : strike, expiry);
        if (_idCache.TryGetValue(cacheKey, out var id)) return id;
        ContractKey key;
        switch (kind.ToUpperInvariant())
        {
            case "STK":
                key = ContractKey.Stock(symbol);
                break;
            case "OPT":
                var r = (right ?? "").ToUpperInvariant() switch
                {
                    "C" or "CALL" => 'C',
                    "P" or "PUT" => 'P',
                    var other => throw new TickDataException($"{Path}: row {row}: option right must be C or P, got '{other}'"),
                };
                if (!(strike > 0)) throw new TickDataException($"{Path}: row {row}: option strike must be > 0, got {strike}");
                if (expiry <= 0) throw new TickDataException($"{Path}: row {row}: option expiry is missing");
                key = ContractKey.Option(symbol, r, strike, expiry);
                break;
            default:
                throw new TickDataException($"{Path}: row {row}: kind must be STK or OPT, got '{kind}'");
        }
        id = key.ConId;
        if (_contracts.TryGetValue(id, out var existing) && existing != key)
            throw new TickDataException($"{Path}: contract id collision between {existing} and {key}");
        _contracts[id] = key;
        _idCache[cacheKey] = id;
        return id;
    }

    private T? Optional<T>(RowGroupBatch b, string canonical) where T : Column =>
        b.Descriptors.Any(d => d.Name == _map[canonical]) ? b.Get<T>(_map[canonical]) : null;

    private long[] Timestamps(RowGroupBatch b)
    {
        var name = _map[TickSchema.Ts];
        var d = b.Descriptors.First(x => x.Name == name);
        var col = b[name] as Int64Column ?? throw new TickDataException($"{Path}: column {name} must be a timestamp, got {d}");
        var scale = d.Kind switch
        {
            ValueKind.TimestampNanos => 1L,
            ValueKind.TimestampMicros => 1_000L,
            ValueKind.TimestampMillis => 1_000_000L,
            _ => throw new TickDataException($"{Path}: column {name} must be a TIMESTAMP, got {d}"),
        };
        if (col.NullCount > 0) throw new TickDataException($"{Path}: column {name} has {col.NullCount} null values");
        // Checked before scaling: a sentinel such as 9999-12-31 in micros wraps around in nanos, and a tick near the
        // end of the int64 range would have the virtual clock step forever.
        var limit = LatestNanos / scale;
        var values = col.Values;
        for (var i = 0; i < col.Length; i++)
            if ((ulong)values[i] > (ulong)limit)
                throw new TickDataException($"{Path}: row {_rowsRead + i}: {name} {values[i]} ({d.Kind}) is outside 1970-01-01 .. 2200-01-01");
        if (scale == 1) return values;
        var result = new long[col.Length];
        for (var i = 0; i < result.Length; i++) result[i] = values[i] * scale;
        return result;
    }

    /// <summary>2200-01-01 in nanoseconds since the epoch: the latest tick time accepted (leaves the clock headroom).</summary>
    public const long LatestNanos = 7_258_118_400_000_000_000L;

    // Per-column scratch arrays, reused from one row group to the next: Convert copies them into the Tick rows.
    private readonly Dictionary<string, double[]> _scratch = new(StringComparer.Ordinal);
    private int[] _expiryScratch = [];

    private double[] Scratch(string canonical, int n)
    {
        if (!_scratch.TryGetValue(canonical, out var a) || a.Length < n) _scratch[canonical] = a = new double[n];
        return a;
    }

    private double[] Doubles(RowGroupBatch b, string canonical, int n)
    {
        var name = _map[canonical];
        var result = Scratch(canonical, n);
        if (!b.Descriptors.Any(d => d.Name == name))
        {
            Array.Fill(result, double.NaN, 0, n);
            return result;
        }
        var col = b[name];
        // A DOUBLE column without nulls is read in place (Convert is done with it before the next row group).
        if (col is DoubleColumn { Validity: null } plain) return plain.Values;
        // One type test per column, then a tight loop (this runs for eight columns of every row).
        switch (col)
        {
            case DoubleColumn c:
                c.Values.AsSpan(0, n).CopyTo(result);
                break;
            case FloatColumn c:
                for (var i = 0; i < n; i++) result[i] = c.Values[i];
                break;
            case Int64Column c:
                for (var i = 0; i < n; i++) result[i] = c.Values[i];
                break;
            case Int32Column c:
                for (var i = 0; i < n; i++) result[i] = c.Values[i];
                break;
            case DecimalColumn c:
                for (var i = 0; i < n; i++) result[i] = (double)c.Values[i];
                break;
            default:
                throw new TickDataException($"{Path}: column {name} must be numeric, got {b.Descriptors.First(d => d.Name == name)}");
        }
        if (col.Validity is { } valid)
            for (var i = 0; i < n; i++)
                if (!valid[i]) result[i] = double.NaN;
        return result;
    }

    private int[] Expiries(RowGroupBatch b, int n)
    {
        var name = _map[TickSchema.Expiry];
        if (_expiryScratch.Length < n) _expiryScratch = new int[n];
        var result = _expiryScratch;
        Array.Clear(result, 0, n);
        if (!b.Descriptors.Any(d => d.Name == name)) return result;
        var d = b.Descriptors.First(x => x.Name == name);
        var col = b[name];
        // Rows of one file carry a handful of expiries: the last date's conversion is reused.
        var lastDay = int.MinValue;
        var lastYyyymmdd = 0;
        for (var i = 0; i < n; i++)
        {
            if (col.IsNull(i)) continue;
            result[i] = (d.Kind, col) switch
            {
                (ValueKind.Date, Int32Column c) when c.Values[i] == lastDay => lastYyyymmdd,
                (ValueKind.Date, Int32Column c) => lastYyyymmdd = ToYyyymmdd(DateOfDays(lastDay = c.Values[i], name, i)),
                (ValueKind.Int32, Int32Column c) => c.Values[i],
                (_, StringColumn c) => ParseExpiry(c.ValueAt(i)!, i),
                _ => throw new TickDataException($"{Path}: column {name} must be a DATE, an int yyyymmdd or a string, got {d}"),
            };
        }
        return result;
    }

    /// <summary>A DATE is days since 1970-01-01; one beyond .NET's dates (DuckDB's 'infinity' is int.MaxValue, a
    /// vendor's sentinel on stock rows) is refused naming the row, never an unhandled exception.</summary>
    private DateOnly DateOfDays(int days, string name, int row)
    {
        var dayNumber = (long)DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + days;
        if (dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber)
            throw new TickDataException($"{Path}: row {_rowsRead + row}: {name} {days} (DATE, days since 1970-01-01) is outside 0001-01-01 .. 9999-12-31; an absent expiry is null");
        return DateOnly.FromDayNumber((int)dayNumber);
    }

    private int ParseExpiry(string text, int row)
    {
        foreach (var format in new[] { "yyyyMMdd", "yyyy-MM-dd" })
            if (DateOnly.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return ToYyyymmdd(d);
        throw new TickDataException($"{Path}: row {_rowsRead + row}: expiry '{text}' is not yyyyMMdd or yyyy-MM-dd");
    }

    public static int ToYyyymmdd(DateOnly d) => d.Year * 10_000 + d.Month * 100 + d.Day;

    public void Dispose() => _file.Dispose();
}
