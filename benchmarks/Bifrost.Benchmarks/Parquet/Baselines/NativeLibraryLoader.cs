using System.Runtime.InteropServices;

namespace Bifrost.Benchmarks.Parquet.Baselines;

/// <summary>Loads a system library once and resolves exports, turning a missing library into a message that says what to install.</summary>
public sealed class NativeLibraryLoader(string libraryName, string codecName, string debianPackage)
{
    private readonly Lazy<IntPtr> _handle = new(() =>
        NativeLibrary.TryLoad(libraryName, out IntPtr handle) ? handle : IntPtr.Zero);

    public IntPtr Export(string symbol)
    {
        IntPtr handle = _handle.Value;
        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException(
                $"{codecName} compression needs the system library {libraryName}, which could not be loaded (install the Debian package {debianPackage}).");
        }
        if (!NativeLibrary.TryGetExport(handle, symbol, out IntPtr address))
        {
            throw new InvalidOperationException($"{libraryName} has no export {symbol}; the library is too old for {codecName}.");
        }
        return address;
    }
}
