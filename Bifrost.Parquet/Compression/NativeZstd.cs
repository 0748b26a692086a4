using System.Runtime.InteropServices;

namespace Bifrost.Parquet.Compression;

/// <summary>ZSTD decompression through the system's libzstd, when there is one (Linux: libzstd1; macOS: Homebrew zstd).
/// Optional: when no library loads, <see cref="Available"/> is false and <see cref="ZstdCodec"/> stays managed.</summary>
internal static unsafe class NativeZstd
{
    private static readonly string[] Names = ["libzstd.so.1", "libzstd.1.dylib", "libzstd.dylib", "libzstd"];

    private static readonly Exports? Api = Load();

    public static bool Available { get; } = Api is not null;

    // One decompression context per thread: ZSTD_decompress creates and frees one (with its window buffers) per call,
    // that is per page.
    [ThreadStatic] private static Context? _context;

    public static void Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var api = Api ?? throw new InvalidOperationException("libzstd is not loaded");
        var context = _context ??= new Context(api);
        var decompress = (delegate* unmanaged<IntPtr, byte*, nuint, byte*, nuint, nuint>)api.DecompressDCtx;
        var isError = (delegate* unmanaged<nuint, uint>)api.IsError;
        nuint written;
        fixed (byte* src = input)
        fixed (byte* dst = output)
        {
            written = decompress(context.Handle, dst, (nuint)output.Length, src, (nuint)input.Length);
        }
        if (isError(written) != 0) throw new InvalidDataException("zstd data is corrupt or larger than the page header says");
        if (written != (nuint)output.Length) throw new InvalidDataException($"zstd data expands to {written} bytes, the page header says {output.Length}");
    }

    private sealed record Exports(IntPtr CreateDCtx, IntPtr FreeDCtx, IntPtr DecompressDCtx, IntPtr IsError);

    /// <summary>A thread's ZSTD_DCtx, freed when the thread (and so this object) is gone.</summary>
    private sealed class Context
    {
        private readonly Exports _api;

        public Context(Exports api)
        {
            _api = api;
            Handle = ((delegate* unmanaged<IntPtr>)api.CreateDCtx)();
            if (Handle == IntPtr.Zero) throw new OutOfMemoryException("ZSTD_createDCtx failed");
        }

        public IntPtr Handle { get; }

        ~Context() => ((delegate* unmanaged<IntPtr, nuint>)_api.FreeDCtx)(Handle);
    }

    private static Exports? Load()
    {
        foreach (var name in Names)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            if (NativeLibrary.TryGetExport(handle, "ZSTD_createDCtx", out var create) && NativeLibrary.TryGetExport(handle, "ZSTD_freeDCtx", out var free)
                && NativeLibrary.TryGetExport(handle, "ZSTD_decompressDCtx", out var decompress) && NativeLibrary.TryGetExport(handle, "ZSTD_isError", out var isError))
                return new Exports(create, free, decompress, isError);
        }
        return null;
    }
}
