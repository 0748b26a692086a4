using System.Globalization;
using Bifrost.Parquet.Columns;

namespace Bifrost.Parquet.Inspect;

/// <summary>Running null count, min, max and sum of one column across row groups.</summary>
internal sealed class ColumnAggregator(ColumnDescriptor descriptor)
{
    private long _nulls;
    private IComparable? _min;
    private IComparable? _max;
    private Int128 _integerSum;
    private decimal _decimalSum;
    private bool _decimalOverflow;
    private double _doubleSum;
    private bool _any;

    public void Add(Column column)
    {
        _nulls += column.NullCount;
        for (int i = 0; i < column.Length; i++)
        {
            if (column.IsNull(i)) continue;
            IComparable value;
            switch (column)
            {
                case Int32Column c: value = c.Values[i]; _integerSum += c.Values[i]; break;
                case Int64Column c: value = c.Values[i]; _integerSum += c.Values[i]; break;
                case FloatColumn c: value = c.Values[i]; _doubleSum += c.Values[i]; break;
                case DoubleColumn c: value = c.Values[i]; _doubleSum += c.Values[i]; break;
                case DecimalColumn c:
                    value = c.Values[i];
                    if (!_decimalOverflow)
                    {
                        try { _decimalSum += c.Values[i]; }
                        catch (OverflowException) { _decimalOverflow = true; }
                    }
                    break;
                case BooleanColumn c: value = c.Values[i]; break;
                case StringColumn c: value = new OrdinalString(c.ValueAt(i)!); break;
                default: return; // binary: no ordering worth showing
            }
            if (!_any || value.CompareTo(_min) < 0) _min = value;
            if (!_any || value.CompareTo(_max) > 0) _max = value;
            _any = true;
        }
    }

    public ColumnInspection Result() => new(
        descriptor.Name,
        descriptor.PhysicalType.ToString().ToUpperInvariant(),
        descriptor.LogicalTypeText,
        descriptor.IsOptional,
        _nulls,
        _any ? ValueFormatter.Format(descriptor, _min!) : null,
        _any ? ValueFormatter.Format(descriptor, _max!) : null,
        Sum(),
        null);

    private string? Sum() => descriptor.Kind switch
    {
        _ when !_any => null,
        ValueKind.Int32 or ValueKind.Int64 => _integerSum.ToString(CultureInfo.InvariantCulture),
        ValueKind.Float or ValueKind.Double => _doubleSum.ToString("R", CultureInfo.InvariantCulture),
        ValueKind.Decimal => _decimalOverflow ? "overflow" : _decimalSum.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>Parquet orders strings by their UTF-8 bytes; ordinal UTF-16 order matches it outside surrogate pairs.</summary>
    private sealed record OrdinalString(string Value) : IComparable
    {
        public int CompareTo(object? other) => string.CompareOrdinal(Value, ((OrdinalString)other!).Value);
        public override string ToString() => Value;
    }
}
