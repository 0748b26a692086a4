namespace Bifrost.Store.Files;

/// <summary>
/// Whether an operator-named input read as a stream (too large for <see cref="BoundedFile"/>: a sweep's shard results)
/// is a regular file with something in it. A device (<c>/dev/zero</c>, or a link to it) reads forever — a first line
/// without end grew until memory ran out — and a named pipe blocks the open until a writer comes. Both have length 0,
/// as an empty file has, and nothing here opens the path: a link is followed to its final target, whose length counts.
/// </summary>
public static class RegularFile
{
    /// <summary>Why <paramref name="path"/> cannot be read as a file, or null (never throws).</summary>
    public static string? Problem(string path)
    {
        try
        {
            FileSystemInfo info = new FileInfo(path);
            if (info.LinkTarget is not null) info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            if (Directory.Exists(info.FullName)) return $"'{path}' is a directory";
            if (!info.Exists) return $"'{path}' does not exist";
            return ((FileInfo)info).Length == 0 ? $"'{path}' is empty or not a regular file (a pipe or a device?)" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"cannot read '{path}': {e.Message}";
        }
    }
}
