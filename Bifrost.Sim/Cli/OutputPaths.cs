using System.Data.Common;
using Bifrost.Store;

namespace Bifrost.Sim.Cli;

/// <summary>Up-front checks of where a command will write, so a bad --out or --store is refused (exit 2) before a
/// run of minutes rather than after it; and the store failures that can only show when writing, as refusals too.</summary>
internal static class OutputPaths
{
    private static ReadOnlySpan<byte> SqliteMagic => "SQLite format 3\0"u8;

    /// <summary>An error naming <paramref name="option"/> if <paramref name="path"/> cannot become a directory.</summary>
    public static string? CheckDirectory(string option, string path)
    {
        if (File.Exists(path)) return $"{option}: '{path}' is a file, not a directory";
        for (var d = path; d is not null; d = Path.GetDirectoryName(d))
        {
            if (Directory.Exists(d)) return CanCreateIn(option, d, path);
            if (File.Exists(d)) return $"{option}: '{d}' is a file, so '{path}' cannot be a directory";
        }
        return null;
    }

    /// <summary>Whether a directory can be made in <paramref name="existing"/> (the nearest existing ancestor, or the
    /// target itself): tried with a probe directory, removed at once; permission bits alone miss root, ACLs, /proc.</summary>
    private static string? CanCreateIn(string option, string existing, string path)
    {
        var probe = Path.Combine(existing, $".bifrost-sim-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{option}: cannot write under '{existing}' (for '{path}'): {e.Message}";
        }
    }

    /// <summary>An error if <paramref name="path"/> is a directory, or an existing file that is not SQLite.</summary>
    public static string? CheckStore(string path)
    {
        if (Directory.Exists(path)) return $"--store: '{path}' is a directory, not a store file";
        if (CheckDirectory("--store", Path.GetDirectoryName(path) ?? path) is { } folder) return folder;
        if (!File.Exists(path)) return null;
        try
        {
            Span<byte> head = stackalloc byte[16];
            using var f = File.OpenRead(path);
            var n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            // An empty file is what the store itself creates first; anything else must be a SQLite database.
            if (n > 0 && !head[..n].SequenceEqual(SqliteMagic)) return $"--store: '{path}' is not a SQLite database (a Bifrost store)";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"--store: cannot read '{path}': {e.Message}";
        }
    }

    /// <summary>Store failures that are the input's fault (not a SQLite file, another schema, read-only, locked).</summary>
    public static bool IsStoreFailure(Exception e) => e is DbException or StoreUnavailableException or StoreSchemaException
        or Bifrost.Store.Locking.StoreReadOnlyException or Bifrost.Store.Maintenance.StoreCorruptException or StoreWriteException
        or Bifrost.Store.Locking.InstanceLockedException;
}
