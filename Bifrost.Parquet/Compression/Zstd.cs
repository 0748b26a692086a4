namespace Bifrost.Parquet.Compression;

/// <summary>ZSTD through the system's libzstd.so.1 (no managed zstd is available to this project).</summary>
internal static unsafe class Zstd
{
    private static readonly NativeLibraryLoader Library = new("libzstd.so.1", "ZSTD", "libzstd1");
    private static readonly Lazy<Api> Functions = new(() => new Api(
        (delegate* unmanaged<byte*, nuint, byte*, nuint, nuint>)Library.Export("ZSTD_decompress"),
        (delegate* unmanaged<byte*, nuint, byte*, nuint, int, nuint>)Library.Export("ZSTD_compress"),
        (delegate* unmanaged<nuint, nuint>)Library.Export("ZSTD_compressBound"),
        (delegate* unmanaged<nuint, uint>)Library.Export("ZSTD_isError")));

    public static void Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var api = Functions.Value;
        nuint written;
        fixed (byte* src = input)
        fixed (byte* dst = output)
        {
            written = api.Decompress(dst, (nuint)output.Length, src, (nuint)input.Length);
        }
        if (api.IsError(written) != 0) throw new InvalidDataException("zstd data is corrupt or larger than the page header says");
        if (written != (nuint)output.Length) throw new InvalidDataException($"zstd data expands to {written} bytes, the page header says {output.Length}");
    }

    public static byte[] Compress(ReadOnlySpan<byte> input, int level)
    {
        var api = Functions.Value;
        var output = new byte[(int)api.CompressBound((nuint)input.Length)];
        nuint written;
        fixed (byte* src = input)
        fixed (byte* dst = output)
        {
            written = api.Compress(dst, (nuint)output.Length, src, (nuint)input.Length, level);
        }
        if (api.IsError(written) != 0) throw new InvalidOperationException("zstd compression failed");
        return output.AsSpan(0, (int)written).ToArray();
    }

    private sealed class Api(
        delegate* unmanaged<byte*, nuint, byte*, nuint, nuint> decompress,
        delegate* unmanaged<byte*, nuint, byte*, nuint, int, nuint> compress,
        delegate* unmanaged<nuint, nuint> compressBound,
        delegate* unmanaged<nuint, uint> isError)
    {
        public nuint Decompress(byte* dst, nuint capacity, byte* src, nuint size) => decompress(dst, capacity, src, size);
        public nuint Compress(byte* dst, nuint capacity, byte* src, nuint size, int level) => compress(dst, capacity, src, size, level);
        public nuint CompressBound(nuint size) => compressBound(size);
        public uint IsError(nuint code) => isError(code);
    }
}
