using BenchmarkDotNet.Running;

namespace Bifrost.Benchmarks;

public static class BenchmarkProgram
{
    // Runs the benchmark classes of this assembly; pass BenchmarkDotNet arguments, e.g. --filter '*Pricing*'.
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
