using System.Text;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Reading.Accumulators;

/// <summary>Picks the accumulator and final column type for a descriptor (physical type × value kind). With
/// <paramref name="previous"/> (the same column of the previous row group, when recycling) its arrays are written over.</summary>
internal static class AccumulatorFactory
{
    public static ColumnAccumulator Create(ColumnDescriptor column, int rows, Column? previous = null)
    {
        int scale = column.Scale;
        return (column.PhysicalType, column.Kind) switch
        {
            (PhysicalType.Boolean, _) => new BooleanAccumulator(rows),
            (PhysicalType.Int32, ValueKind.Decimal) => new FixedAccumulator<int>(rows, "INT32",
                (v, valid) => new DecimalColumn(Array.ConvertAll(v, x => DecimalConverter.FromUnscaled(x, scale)), valid)),
            (PhysicalType.Int32, _) => new FixedAccumulator<int>(rows, "INT32", (v, valid) => new Int32Column(v, valid), (previous as Int32Column)?.Values),
            (PhysicalType.Int64, ValueKind.Decimal) => new FixedAccumulator<long>(rows, "INT64",
                (v, valid) => new DecimalColumn(Array.ConvertAll(v, x => DecimalConverter.FromUnscaled(x, scale)), valid)),
            (PhysicalType.Int64, _) => new FixedAccumulator<long>(rows, "INT64", (v, valid) => new Int64Column(v, valid), (previous as Int64Column)?.Values),
            (PhysicalType.Int96, _) => new FixedAccumulator<Int96>(rows, "INT96",
                (v, valid) => new Int64Column(Array.ConvertAll(v, x => x.ToUnixNanoseconds()), valid)),
            (PhysicalType.Float, _) => new FixedAccumulator<float>(rows, "FLOAT", (v, valid) => new FloatColumn(v, valid), (previous as FloatColumn)?.Values),
            (PhysicalType.Double, _) => new FixedAccumulator<double>(rows, "DOUBLE", (v, valid) => new DoubleColumn(v, valid), (previous as DoubleColumn)?.Values),
            (PhysicalType.ByteArray or PhysicalType.FixedLenByteArray, ValueKind.String) => Strings(column, rows, previous as StringColumn),
            (PhysicalType.ByteArray or PhysicalType.FixedLenByteArray, ValueKind.Decimal) => new ByteArrayAccumulator<decimal>(rows, column.TypeLength,
                bytes => DecimalConverter.FromBigEndian(bytes, scale), (v, valid) => new DecimalColumn(v, valid)),
            (PhysicalType.ByteArray or PhysicalType.FixedLenByteArray, _) => new ByteArrayAccumulator<byte[]?>(rows, column.TypeLength,
                bytes => bytes.ToArray(), (v, valid) => new BinaryColumn(v, valid)),
            _ => throw new NotSupportedException($"physical type {column.PhysicalType} is not supported"),
        };
    }

    // A dictionary-encoded chunk builds its strings from the ids on first use, into the previous row group's array.
    private static ByteArrayAccumulator<string?> Strings(ColumnDescriptor column, int rows, StringColumn? previous) =>
        new(rows, column.TypeLength, bytes => Encoding.UTF8.GetString(bytes), (v, valid) => new StringColumn(v, valid),
            (dictionary, ids, valid) => new StringColumn(dictionary!, ids, valid, previous?.ValuesIfBuilt),
            previous?.ValuesIfBuilt, previous?.DictionaryIds);
}
