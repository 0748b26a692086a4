using Bifrost.Parquet.Columns;

namespace Bifrost.Parquet.Reading;

/// <summary>The projected columns of one row group, as typed arrays. Holds no reference back to the reader.</summary>
public sealed class RowGroupBatch
{
    private readonly string _file;

    internal RowGroupBatch(string file, int index, int rowCount, IReadOnlyList<ColumnDescriptor> descriptors, IReadOnlyList<Column> columns)
    {
        _file = file;
        Index = index;
        RowCount = rowCount;
        Descriptors = descriptors;
        Columns = columns;
    }

    public int Index { get; }
    public int RowCount { get; }
    public IReadOnlyList<ColumnDescriptor> Descriptors { get; }
    public IReadOnlyList<Column> Columns { get; }

    public Column this[string name] => Columns[IndexOf(name)];

    /// <summary>The column as the expected type, e.g. <c>batch.Get&lt;DoubleColumn&gt;("bid").Values</c>.</summary>
    public T Get<T>(string name) where T : Column
    {
        int index = IndexOf(name);
        return Columns[index] as T ?? throw new ParquetSchemaMismatchException(
            $"{_file}: column '{name}' is {Descriptors[index].PhysicalType} {Descriptors[index].LogicalTypeText} read as {Columns[index].GetType().Name}, not {typeof(T).Name}");
    }

    private int IndexOf(string name)
    {
        for (int i = 0; i < Descriptors.Count; i++) if (Descriptors[i].Name == name) return i;
        throw new ParquetSchemaMismatchException($"{_file}: column '{name}' is not in this batch (projected: {string.Join(", ", Descriptors.Select(d => d.Name))})");
    }
}
