using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Writing;

namespace Bifrost.Benchmarks.Parquet;

/// <summary>Writes a tick-like ZSTD file (ts, symbol, bid, ask, last, bid/ask size, volume) once, for reading benchmarks.</summary>
public static class TickFile
{
    public static readonly string[] Symbols = ["ESZ4", "NQZ4", "RTYZ4", "YMZ4", "CLF5", "GCG5", "ZNH5", "6EZ4"];

    public static string Ensure(int rows, int rowGroupSize)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bifrost-bench-ticks-{rows}-{rowGroupSize}.parquet");
        if (File.Exists(path)) return path;
        ColumnDescriptor[] schema =
        [
            ColumnDescriptor.Create("ts", ValueKind.TimestampNanos),
            ColumnDescriptor.Create("symbol", ValueKind.String),
            ColumnDescriptor.Create("bid", ValueKind.Double),
            ColumnDescriptor.Create("ask", ValueKind.Double),
            ColumnDescriptor.Create("last", ValueKind.Double),
            ColumnDescriptor.Create("bid_size", ValueKind.Int32),
            ColumnDescriptor.Create("ask_size", ValueKind.Int32),
            ColumnDescriptor.Create("volume", ValueKind.Int64),
        ];
        string temporary = path + ".tmp";
        var random = new Random(7);
        using (var writer = new ParquetFileWriter(temporary, schema, new ParquetWriterOptions { Compression = CompressionCodec.Zstd }))
        {
            long ts = 1_730_000_000_000_000_000;
            long volume = 0;
            double mid = 5_000;
            for (int first = 0; first < rows; first += rowGroupSize)
            {
                int n = Math.Min(rowGroupSize, rows - first);
                var t = new long[n]; var s = new string?[n]; var b = new double[n]; var a = new double[n]; var l = new double[n];
                var bs = new int[n]; var @as = new int[n]; var v = new long[n];
                for (int i = 0; i < n; i++)
                {
                    ts += random.Next(1_000, 5_000_000);
                    mid += (random.Next(3) - 1) * 0.25;
                    t[i] = ts;
                    s[i] = Symbols[random.Next(Symbols.Length)];
                    b[i] = mid - 0.125;
                    a[i] = mid + 0.125;
                    l[i] = random.Next(2) == 0 ? b[i] : a[i];
                    bs[i] = random.Next(1, 200);
                    @as[i] = random.Next(1, 200);
                    volume += random.Next(0, 10);
                    v[i] = volume;
                }
                writer.WriteRowGroup(new Int64Column(t), new StringColumn(s), new DoubleColumn(b), new DoubleColumn(a), new DoubleColumn(l),
                    new Int32Column(bs), new Int32Column(@as), new Int64Column(v));
            }
        }
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
