using System.Runtime.InteropServices;
using System.Text;
using Bifrost.Parquet.Columns;
using Bifrost.Parquet.Format;

namespace Bifrost.Parquet.Writing;

/// <summary>Chunk statistics: null count and min/max as PLAIN bytes (strings as raw UTF-8, compared bytewise like readers do).</summary>
internal static class StatisticsBuilder
{
    public static Statistics Build(Column column)
    {
        var stats = new Statistics { NullCount = column.NullCount };
        var validity = column.Validity;
        switch (column)
        {
            case Int32Column c: MinMax(c.Values, validity, stats); break;
            case Int64Column c: MinMax(c.Values, validity, stats); break;
            case FloatColumn c: MinMax(c.Values, validity, stats, float.IsNaN); break;
            case DoubleColumn c: MinMax(c.Values, validity, stats, double.IsNaN); break;
            case BooleanColumn c: MinMax(c.Values.Select(b => b ? (byte)1 : (byte)0).ToArray(), validity, stats); break;
            case StringColumn c:
            {
                byte[]? min = null, max = null;
                foreach (var s in c.Values)
                {
                    if (s is null) continue;
                    byte[] bytes = Encoding.UTF8.GetBytes(s);
                    if (min is null || bytes.AsSpan().SequenceCompareTo(min) < 0) min = bytes;
                    if (max is null || bytes.AsSpan().SequenceCompareTo(max) > 0) max = bytes;
                }
                stats.MinValue = min;
                stats.MaxValue = max;
                break;
            }
        }
        return stats;
    }

    private static void MinMax<T>(T[] values, bool[]? validity, Statistics stats, Func<T, bool>? skip = null) where T : unmanaged, IComparable<T>
    {
        bool any = false;
        T min = default, max = default;
        for (int i = 0; i < values.Length; i++)
        {
            if (validity is not null && !validity[i]) continue;
            T v = values[i];
            if (skip is not null && skip(v)) continue;
            if (!any || v.CompareTo(min) < 0) min = v;
            if (!any || v.CompareTo(max) > 0) max = v;
            any = true;
        }
        if (!any) return;
        stats.MinValue = MemoryMarshal.AsBytes(new[] { min }.AsSpan()).ToArray();
        stats.MaxValue = MemoryMarshal.AsBytes(new[] { max }.AsSpan()).ToArray();
    }
}
