using Bifrost.Store.Files;

namespace Bifrost.Daemon.PortfolioRuns;

/// <summary>Reads a signals file for a portfolio run, bounded in size and in time (see <see cref="BoundedFile"/>).</summary>
public static class SignalsFile
{
    /// <summary>The file's text, or why it cannot be used (never throws).</summary>
    public static (string? Text, string? Error) Read(string path) => BoundedFile.Read(path, PortfolioRunArgs.MaxSignalsBytes);
}
