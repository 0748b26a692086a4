using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Bifrost.Store.Locking;

/// <summary>
/// Reads the pid out of a lock file that another process holds. .NET's FileStream takes a shared flock on open, which
/// fails against the holder's exclusive lock, so this reads through libc open/read directly. Best effort: any failure
/// means "pid unknown".
/// </summary>
internal static partial class UnlockedRead
{
    private const string Libc = "libc.so.6";

    public static int? Pid(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var text = ReadSmall(path);
            return int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static unsafe string? ReadSmall(string path)
    {
        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) return null;
        try
        {
            var buffer = stackalloc byte[64];
            var n = Read(fd, buffer, 64);
            return n <= 0 ? null : Encoding.ASCII.GetString(buffer, (int)n);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "read")]
    private static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Libc, EntryPoint = "close")]
    private static partial int Close(int fd);
}
