namespace Bifrost.Benchmarks.Parquet.Baselines;

/// <summary>Baseline for the codec benchmarks: LZ4_RAW through the system's liblz4.so.1 (the P/Invoke path before K4os).</summary>
public static unsafe class NativeLz4
{
    private static readonly NativeLibraryLoader Library = new("liblz4.so.1", "LZ4_RAW", "liblz4-1");
    private static readonly Lazy<IntPtr> DecompressSafe = new(() => Library.Export("LZ4_decompress_safe"));
    private static readonly Lazy<IntPtr> CompressDefault = new(() => Library.Export("LZ4_compress_default"));
    private static readonly Lazy<IntPtr> CompressBound = new(() => Library.Export("LZ4_compressBound"));

    public static void Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var decompress = (delegate* unmanaged<byte*, byte*, int, int, int>)DecompressSafe.Value;
        int written;
        fixed (byte* src = input)
        fixed (byte* dst = output)
        {
            written = decompress(src, dst, input.Length, output.Length);
        }
        if (written < 0) throw new InvalidDataException("lz4 data is corrupt or larger than the page header says");
        if (written != output.Length) throw new InvalidDataException($"lz4 data expands to {written} bytes, the page header says {output.Length}");
    }

    public static byte[] Compress(ReadOnlySpan<byte> input)
    {
        var bound = (delegate* unmanaged<int, int>)CompressBound.Value;
        var compress = (delegate* unmanaged<byte*, byte*, int, int, int>)CompressDefault.Value;
        var output = new byte[bound(input.Length)];
        int written;
        fixed (byte* src = input)
        fixed (byte* dst = output)
        {
            written = compress(src, dst, input.Length, output.Length);
        }
        if (written <= 0 && input.Length > 0) throw new InvalidOperationException("lz4 compression failed");
        return output.AsSpan(0, written).ToArray();
    }
}
