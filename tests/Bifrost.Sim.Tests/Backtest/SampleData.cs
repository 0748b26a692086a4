namespace Bifrost.Sim.Tests.Backtest;

/// <summary>Paths of the bundled sample (data/sample), found from the test binaries by walking up to the repository.</summary>
internal static class SampleData
{
    public static string RepoRoot { get; } = FindRoot();

    public static string TickFile => Path.Combine(RepoRoot, "data", "sample", "xyz-2026-03-02.parquet");
    public static string BacktestConfig => Path.Combine(RepoRoot, "data", "sample", "backtest.json");
    public static string SweepSpec => Path.Combine(RepoRoot, "data", "sample", "sweep.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Bifrost.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Bifrost.sln not found above {AppContext.BaseDirectory}");
    }
}
