namespace Bifrost.Sim.Sweep;

/// <summary>An output directory written in full or not at all. Files are written to a hidden staging directory beside
/// the target (same file system, so moves are renames); <see cref="Commit"/> renames it to the target (or, when the
/// target already exists, moves its files in, replacing same-named ones). Disposed without a commit, the staging
/// directory, and any parent directories it had to create, are deleted: a refused or failed command leaves nothing.</summary>
public sealed class StagedDirectory : IDisposable
{
    private readonly string target;
    private readonly string? createdAncestor;
    private bool committed;

    public StagedDirectory(string target)
    {
        this.target = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(target));
        var parent = System.IO.Path.GetDirectoryName(this.target)
            ?? throw new IOException($"cannot write to the root directory '{this.target}'");
        for (var d = parent; d is not null && !Directory.Exists(d); d = System.IO.Path.GetDirectoryName(d))
            createdAncestor = d;
        Directory.CreateDirectory(parent);
        Path = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(this.target)}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    /// <summary>The staging directory to write into.</summary>
    public string Path { get; }

    public void Commit()
    {
        if (!Directory.Exists(target))
            Directory.Move(Path, target);
        else
        {
            foreach (var file in Directory.GetFiles(Path))
                File.Move(file, System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)), overwrite: true);
            Directory.Delete(Path, recursive: true);
        }
        committed = true;
    }

    public void Dispose()
    {
        if (committed) return;
        try
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
            if (createdAncestor is not null && Directory.Exists(createdAncestor)) Directory.Delete(createdAncestor, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"bifrost-sim: warning: could not remove the partial output {Path}: {e.Message}");
        }
    }
}
