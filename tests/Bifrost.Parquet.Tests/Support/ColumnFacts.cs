using System.Globalization;
using System.Numerics;
using System.Text;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Reading;

namespace Bifrost.Parquet.Tests.Support;

/// <summary>The facts tests/node/summary.mjs computes, computed here from Bifrost's reader in the same units
/// (timestamps as epoch nanoseconds, dates as days, strings as UTF-8 byte counts, booleans as trues).</summary>
internal sealed class ColumnFacts
{
    public long Nulls;
    public BigInteger IntegerSum;
    public decimal DecimalSum;
    public double DoubleSum;
    public string? Min;
    public string? Max;
    public ValueKind Kind;

    public static (long Rows, Dictionary<string, ColumnFacts> Columns) Compute(string file)
    {
        using var reader = ParquetFileReader.Open(file);
        var facts = reader.Columns.ToDictionary(c => c.Name, c => new ColumnFacts { Kind = c.Kind });
        long rows = 0;
        foreach (var batch in reader.ReadRowGroups())
        {
            rows += batch.RowCount;
            for (int c = 0; c < batch.Columns.Count; c++) facts[batch.Descriptors[c].Name].Add(batch.Descriptors[c], batch.Columns[c]);
        }
        return (rows, facts);
    }

    private void Add(ColumnDescriptor descriptor, Column column)
    {
        Nulls += column.NullCount;
        for (int i = 0; i < column.Length; i++)
        {
            if (column.IsNull(i)) continue;
            switch (column)
            {
                case Int32Column c: IntegerSum += c.Values[i]; break;
                case Int64Column c: IntegerSum += (BigInteger)c.Values[i] * NanosFactor(descriptor.Kind); break;
                case FloatColumn c: DoubleSum += c.Values[i]; break;
                case DoubleColumn c: DoubleSum += c.Values[i]; break;
                case BooleanColumn c: IntegerSum += c.Values[i] ? 1 : 0; break;
                case DecimalColumn c: DecimalSum += c.Values[i]; break;
                case StringColumn c:
                {
                    string s = c.Values[i]!;
                    IntegerSum += Encoding.UTF8.GetByteCount(s);
                    if (Min is null || string.CompareOrdinal(s, Min) < 0) Min = s;
                    if (Max is null || string.CompareOrdinal(s, Max) > 0) Max = s;
                    break;
                }
            }
        }
    }

    private static long NanosFactor(ValueKind kind) => kind switch
    {
        ValueKind.TimestampMillis => 1_000_000,
        ValueKind.TimestampMicros => 1_000,
        _ => 1,
    };

    /// <summary>Asserts this equals DuckDB's summary entry (sum given as a string, null when DuckDB has none).</summary>
    public void AssertMatches(string where, long nulls, string? sum, string? min, string? max)
    {
        Assert.True(nulls == Nulls, $"{where}: null count {Nulls}, DuckDB says {nulls}");
        if (sum is null) return;
        switch (Kind)
        {
            case ValueKind.Float or ValueKind.Double:
            {
                double expected = double.Parse(sum, CultureInfo.InvariantCulture);
                double tolerance = 1e-9 * Math.Max(1, Math.Abs(expected));
                Assert.True(Math.Abs(expected - DoubleSum) <= tolerance, $"{where}: sum {DoubleSum:R}, DuckDB says {sum}");
                break;
            }
            case ValueKind.Decimal:
                Assert.True(decimal.Parse(sum, CultureInfo.InvariantCulture) == DecimalSum, $"{where}: sum {DecimalSum}, DuckDB says {sum}");
                break;
            default:
                Assert.True(BigInteger.Parse(sum, CultureInfo.InvariantCulture) == IntegerSum, $"{where}: sum {IntegerSum}, DuckDB says {sum}");
                break;
        }
        if (min is not null) Assert.True(min == Min, $"{where}: min '{Min}', DuckDB says '{min}'");
        if (max is not null) Assert.True(max == Max, $"{where}: max '{Max}', DuckDB says '{max}'");
    }
}
