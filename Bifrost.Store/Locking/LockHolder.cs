using System.Globalization;

namespace Bifrost.Store.Locking;

/// <summary>
/// Who holds a lock file: the pid the kernel lists for its flock in /proc/locks (matched by device and inode), and the
/// "key: value" lines the holder wrote. The pid in the file is used only when /proc/locks cannot be read and that
/// process is alive; a stale pid is never named.
/// </summary>
internal static class LockHolder
{
    /// <summary>The live holder, if any. <c>Checked</c>: /proc/locks was read, so "no pid" means nobody holds it.</summary>
    public static (int? Pid, IReadOnlyDictionary<string, string> Fields, bool Checked) Find(string path)
    {
        var fields = Parse(Native.ReadSmall(path));
        var fromFile = fields.TryGetValue("pid", out var p) && int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var fp) && fp > 0
            ? fp : (int?)null;
        var (fromKernel, read) = KernelHolder(path);
        if (fromKernel is { } k)
            return (k, fromFile == k ? fields : new Dictionary<string, string>(), true); // the file's lines may not be the holder's yet
        if (read) return (null, new Dictionary<string, string>(), true);
        return fromFile is { } f && Directory.Exists($"/proc/{f}") ? (f, fields, false) : (null, new Dictionary<string, string>(), false);
    }

    private static Dictionary<string, string> Parse(string? text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (text ?? "").Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0) fields[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            else if (line.Trim() is { Length: > 0 } bare && !fields.ContainsKey("pid")) fields["pid"] = bare; // the old one-line format
        }
        return fields;
    }

    // /proc/locks: "1: FLOCK  ADVISORY  WRITE 12345 fe:00:347238 0 EOF" (major and minor in hex, inode in decimal).
    private static (int? Pid, bool Read) KernelHolder(string path)
    {
        if (Native.FileId(path) is not { } id) return (null, false);
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/locks");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, false);
        }
        foreach (var line in lines)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var at = Array.IndexOf(parts, "FLOCK");
            if (at < 0 || parts.Length < at + 5 || (at > 0 && parts[at - 1] == "->")) continue; // "->" lines are waiters
            var fileId = parts[at + 4].Split(':');
            if (fileId.Length != 3
                || !uint.TryParse(fileId[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var major)
                || !uint.TryParse(fileId[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var minor)
                || !ulong.TryParse(fileId[2], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)) continue;
            if (major == id.Major && minor == id.Minor && inode == id.Inode
                && int.TryParse(parts[at + 3], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0)
                return (pid, true);
        }
        return (null, true);
    }
}
