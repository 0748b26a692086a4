namespace Bifrost.Parquet.Format;

/// <summary>Column chunk or page statistics. Min/max are the PLAIN encoding of the value (without a length prefix).</summary>
internal sealed class Statistics
{
    public byte[]? MaxLegacy { get; set; }
    public byte[]? MinLegacy { get; set; }
    public long? NullCount { get; set; }
    public long? DistinctCount { get; set; }
    public byte[]? MaxValue { get; set; }
    public byte[]? MinValue { get; set; }
}
