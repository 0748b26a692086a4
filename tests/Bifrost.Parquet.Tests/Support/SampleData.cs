using Bifrost.Parquet.Columns;

namespace Bifrost.Parquet.Tests.Support;

/// <summary>Deterministic tick-like rows in the shapes Bifrost writes (required and optional columns, all writer kinds).</summary>
internal static class SampleData
{
    public static readonly ColumnDescriptor[] Schema =
    [
        ColumnDescriptor.Create("ts", ValueKind.TimestampMicros),
        ColumnDescriptor.Create("ts_ns", ValueKind.TimestampNanos, optional: true),
        ColumnDescriptor.Create("symbol", ValueKind.String),
        ColumnDescriptor.Create("note", ValueKind.String, optional: true),
        ColumnDescriptor.Create("bid", ValueKind.Double),
        ColumnDescriptor.Create("ask", ValueKind.Double, optional: true),
        ColumnDescriptor.Create("size", ValueKind.Int32),
        ColumnDescriptor.Create("volume", ValueKind.Int64, optional: true),
        ColumnDescriptor.Create("is_trade", ValueKind.Boolean, optional: true),
        ColumnDescriptor.Create("day", ValueKind.Date),
        ColumnDescriptor.Create("ratio", ValueKind.Float),
    ];

    private static readonly string[] Symbols = ["ESZ4", "NQZ4", "AAPL", "MSFT", "CLF5", "GCG5"];

    public static Column[] RowGroup(int firstRow, int rows)
    {
        var ts = new long[rows];
        var tsNs = new long[rows];
        var tsNsValid = new bool[rows];
        var symbol = new string?[rows];
        var note = new string?[rows];
        var bid = new double[rows];
        var ask = new double[rows];
        var askValid = new bool[rows];
        var size = new int[rows];
        var volume = new long[rows];
        var volumeValid = new bool[rows];
        var trade = new bool[rows];
        var tradeValid = new bool[rows];
        var day = new int[rows];
        var ratio = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            long i = firstRow + r;
            ts[r] = 1_700_000_000_000_000 + i * 1_250;
            // Whole microseconds: DuckDB reads UTC-adjusted nanosecond timestamps as TIMESTAMPTZ, which keeps only micros.
            tsNs[r] = 1_700_000_000_000_000_000 + i * 1_250_000;
            tsNsValid[r] = i % 17 != 0;
            symbol[r] = Symbols[(int)(i * 7 % Symbols.Length)];
            note[r] = i % 3 == 0 ? null : $"n{i % 101}-ü{(i % 2 == 0 ? "" : "x")}";
            bid[r] = 4_500.25 + (i % 1000) * 0.25 - (i % 7) * 0.125;
            ask[r] = bid[r] + 0.25;
            askValid[r] = i % 29 != 0;
            size[r] = (int)(i % 50) - 10;
            volume[r] = i * 1_000_003 - 5_000_000;
            volumeValid[r] = i % 5 != 0;
            trade[r] = i % 4 == 1;
            tradeValid[r] = i % 11 != 0;
            day[r] = 19_000 + (int)(i / 1000);
            ratio[r] = (float)(i % 97) / 8f;
        }
        return
        [
            new Int64Column(ts), new Int64Column(tsNs, tsNsValid), new StringColumn(symbol), new StringColumn(note),
            new DoubleColumn(bid), new DoubleColumn(ask, askValid), new Int32Column(size), new Int64Column(volume, volumeValid),
            new BooleanColumn(trade, tradeValid), new Int32Column(day), new FloatColumn(ratio),
        ];
    }
}
