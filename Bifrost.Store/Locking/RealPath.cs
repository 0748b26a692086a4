namespace Bifrost.Store.Locking;

/// <summary>A path with every symlink and relative part resolved, so one file has one name (one lock). A file that does
/// not exist yet is named through its directory's real path.</summary>
public static class RealPath
{
    public static string Of(string path)
    {
        var full = Path.GetFullPath(path);
        if (Native.RealPath(full) is { } real) return real;
        // Not there yet (or a dangling link): resolve the link chain by hand, then the directory.
        if (new FileInfo(full).LinkTarget is not null && new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } target)
            full = target.FullName;
        var dir = Path.GetDirectoryName(full);
        var name = Path.GetFileName(full);
        return dir is not null && Native.RealPath(dir) is { } realDir ? Path.Combine(realDir, name) : full;
    }
}
