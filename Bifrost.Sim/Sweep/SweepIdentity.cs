using System.Reflection;
using System.Security.Cryptography;
using Bifrost.Store.Files;

namespace Bifrost.Sim.Sweep;

/// <summary>What a sweep result was computed from, so that <c>merge</c> only combines like with like: the data by its
/// content (SHA-256 and size, not its name), and the engine binary by version plus a hash of the assemblies that decide
/// results (builds are deterministic: the same source gives the same bytes).</summary>
public static class SweepIdentity
{
    public static (string Sha256, long Bytes) OfData(string path)
    {
        // A device was hashed forever and a named pipe's open waited for a writer: refused before the open.
        if (RegularFile.Problem(path) is { } notAFile) throw new Ticks.TickDataException($"tick data: {notAFile}");
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var hash = SHA256.HashData(f);
        return (Convert.ToHexStringLower(hash), f.Length);
    }

    private static readonly Lazy<string> Engine = new(() =>
    {
        var sim = typeof(SweepIdentity).Assembly;
        var version = sim.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? sim.GetName().Version?.ToString() ?? "?";
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var a in new[] { sim, typeof(Bifrost.Domain.Trading.Reducer).Assembly, typeof(Bifrost.Parquet.ParquetException).Assembly })
        {
            if (string.IsNullOrEmpty(a.Location) || !File.Exists(a.Location)) h.AppendData(System.Text.Encoding.UTF8.GetBytes(a.FullName ?? "?"));
            else h.AppendData(File.ReadAllBytes(a.Location));
        }
        return $"{version} engine {Convert.ToHexStringLower(h.GetHashAndReset())[..16]}";
    });

    /// <summary>The version of this binary, e.g. "1.0.0+3f2a… engine 9c1d…".</summary>
    public static string EngineVersion => Engine.Value;
}
