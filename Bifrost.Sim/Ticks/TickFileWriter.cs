using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Writing;

namespace Bifrost.Sim.Ticks;

/// <summary>Writes canonical tick rows to Parquet (ZSTD, dictionary-encoded strings), buffering one row group.</summary>
public sealed class TickFileWriter : IDisposable
{
    private readonly ParquetFileWriter _writer;
    private readonly int _rowGroupSize;
    private readonly List<(Tick Tick, ContractKey Key)> _rows = new();

    /// <param name="dictionaryStrings">Dictionary-encode the string columns (the default, as most writers do); plain
    /// strings are for testing readers on files from writers that do not.</param>
    public TickFileWriter(string path, int rowGroupSize = 100_000, bool dictionaryStrings = true)
    {
        _rowGroupSize = rowGroupSize;
        _writer = new ParquetFileWriter(path, TickSchema.Descriptors(), new ParquetWriterOptions
        {
            Compression = Bifrost.Parquet.Format.CompressionCodec.Zstd, CreatedBy = "bifrost-sim", DictionaryForStrings = dictionaryStrings,
        });
    }

    public long RowsWritten { get; private set; }

    public void Write(in Tick tick, ContractKey key)
    {
        _rows.Add((tick, key));
        if (_rows.Count >= _rowGroupSize) Flush();
    }

    private void Flush()
    {
        if (_rows.Count == 0) return;
        var n = _rows.Count;
        var isOpt = new bool[n];
        for (var i = 0; i < n; i++) isOpt[i] = _rows[i].Key.IsOption;
        static double[] Col(List<(Tick, ContractKey)> rows, Func<Tick, double> f) => rows.Select(r => f(r.Item1)).ToArray();
        static bool[]? Valid(double[] v) => v.All(x => !double.IsNaN(x)) ? null : v.Select(x => !double.IsNaN(x)).ToArray();
        var bid = Col(_rows, t => t.Bid);
        var ask = Col(_rows, t => t.Ask);
        var last = Col(_rows, t => t.Last);
        var bidSize = Col(_rows, t => t.BidSize);
        var askSize = Col(_rows, t => t.AskSize);
        var iv = Col(_rows, t => t.Iv);
        var epochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        _writer.WriteRowGroup(
            new Int64Column(_rows.Select(r => r.Tick.TsNanos).ToArray()),
            new StringColumn(_rows.Select(r => (string?)r.Key.Symbol).ToArray()),
            new StringColumn(_rows.Select(r => (string?)(r.Key.IsOption ? "OPT" : "STK")).ToArray()),
            new StringColumn(_rows.Select(r => r.Key.IsOption ? r.Key.Right.ToString() : null).ToArray(), isOpt),
            new DoubleColumn(_rows.Select(r => r.Key.IsOption ? r.Key.Strike : 0.0).ToArray(), isOpt),
            new Int32Column(_rows.Select(r => r.Key.IsOption ? ExpiryDay(r.Key.ExpiryYyyymmdd) - epochDay : 0).ToArray(), isOpt),
            new DoubleColumn(bid, Valid(bid)),
            new DoubleColumn(ask, Valid(ask)),
            new DoubleColumn(last, Valid(last)),
            new DoubleColumn(bidSize, Valid(bidSize)),
            new DoubleColumn(askSize, Valid(askSize)),
            new DoubleColumn(iv, Valid(iv)));
        RowsWritten += n;
        _rows.Clear();
    }

    private static int ExpiryDay(int yyyymmdd) => new DateOnly(yyyymmdd / 10_000, yyyymmdd / 100 % 100, yyyymmdd % 100).DayNumber;

    public void Dispose()
    {
        Flush();
        _writer.Dispose();
    }
}
