using System.Runtime.InteropServices;
using System.Text;

namespace Bifrost.Store.Locking;

/// <summary>The few libc calls the locks need (Linux): reading a file another process holds a flock on (.NET's
/// FileStream takes a shared flock on open, which fails against the holder's exclusive lock), a file's device and
/// inode (to find its holder in /proc/locks), realpath(3) and getuid(2). Best effort: null on any failure.</summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc.so.6";

    public static string? ReadSmall(string path)
    {
        try
        {
            var fd = Open(path, 0 /* O_RDONLY */);
            if (fd < 0) return null;
            try
            {
                var buffer = stackalloc byte[4096];
                var n = Read(fd, buffer, 4096);
                return n <= 0 ? null : Encoding.UTF8.GetString(buffer, (int)n);
            }
            finally
            {
                _ = Close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>(device major, minor, inode) via statx(2), whose struct layout is the same on every architecture.</summary>
    public static (uint Major, uint Minor, ulong Inode)? FileId(string path)
    {
        try
        {
            var buffer = stackalloc byte[256];
            if (Statx(-100 /* AT_FDCWD */, path, 0, 0x100 /* STATX_INO */, buffer) != 0) return null;
            return (*(uint*)(buffer + 136), *(uint*)(buffer + 140), *(ulong*)(buffer + 32));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    public static string? RealPath(string path)
    {
        try
        {
            var resolved = RealPathNative(path, IntPtr.Zero);
            if (resolved == IntPtr.Zero) return null;
            try
            {
                return Marshal.PtrToStringUTF8(resolved);
            }
            finally
            {
                Free(resolved);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    public static uint? Uid()
    {
        try
        {
            return GetUid();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "read")]
    private static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Libc, EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Libc, EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport(Libc, EntryPoint = "free")]
    private static partial void Free(IntPtr p);

    [LibraryImport(Libc, EntryPoint = "getuid")]
    private static partial uint GetUid();
}
