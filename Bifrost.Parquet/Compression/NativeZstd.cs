using System.Runtime.InteropServices;

namespace Bifrost.Parquet.Compression;

/// <summary>ZSTD decompression through the system's libzstd, when there is one (Linux: libzstd1; macOS: Homebrew zstd).
/// Optional: when no library loads, <see cref="Available"/> is false and <see cref="ZstdCodec"/> stays managed.</summary>
internal static unsafe class NativeZstd
{
    private static readonly string[] Names = ["libzstd.so.1", "libzstd.1.dylib", "libzstd.dylib", "libzstd"];

    private static readonly (IntPtr Decompress, IntPtr IsError)? Api = Load();

    public static bool Available { get; } = Api is not null;

    public static void Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var api = Api ?? throw new InvalidOperationException("libzstd is not loaded");
        var decompress = (delegate* unmanaged<byte*, nuint, byte*, nuint, nuint>)api.Decompress;
        var isError = (delegate* unmanaged<nuint, uint>)api.IsError;
        nuint written;
        fixed (byte* src = input)
        fixed (byte* dst = output)
        {
            written = decompress(dst, (nuint)output.Length, src, (nuint)input.Length);
        }
        if (isError(written) != 0) throw new InvalidDataException("zstd data is corrupt or larger than the page header says");
        if (written != (nuint)output.Length) throw new InvalidDataException($"zstd data expands to {written} bytes, the page header says {output.Length}");
    }

    private static (IntPtr, IntPtr)? Load()
    {
        foreach (var name in Names)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            if (NativeLibrary.TryGetExport(handle, "ZSTD_decompress", out var decompress) && NativeLibrary.TryGetExport(handle, "ZSTD_isError", out var isError))
                return (decompress, isError);
        }
        return null;
    }
}
