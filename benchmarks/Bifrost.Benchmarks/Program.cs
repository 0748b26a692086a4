using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Bifrost.Benchmarks;

public static class BenchmarkProgram
{
    private const string OutOfProcessFlag = "--out-of-process";

    /// <summary>
    /// Runs the benchmark classes of this assembly; pass BenchmarkDotNet arguments, e.g. --filter '*Pricing*'.
    /// By default every job runs in this process (in-process emit toolchain): BenchmarkDotNet's usual toolchain builds a
    /// generated project per job, and on a loaded 2-core machine that build outran its 2-minute timeout ("NA").
    /// <c>--out-of-process</c> restores the isolated per-job process, with a build timeout of 30 minutes.
    /// </summary>
    public static void Main(string[] args)
    {
        if (args is ["monitor-store", var path])
        {
            // The store benchmarks/tui-budget.sh starts the console against (100,000 operations).
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            Tui.MonitorBenchStore.Create(path, Bifrost.Store.Records.UnixNanos.Now());
            Console.WriteLine($"{path}: {Tui.MonitorBenchStore.Operations} operations");
            return;
        }
        if (args is ["live-cadence", var orders, var quiet, var gap, .. var options])
        {
            // The order path at a live hedger's pace, from a fresh process (README, Performance: tick-to-order). Options:
            // "spread" spreads the quiet ticks through the gap (as a live feed does) instead of sending them before it;
            // "cold" turns off the engine's keeping its order path warm between orders, "warm=MS" sets how often it runs.
            var every = options.FirstOrDefault(o => o.StartsWith("warm=", StringComparison.Ordinal)) is { } w
                ? TimeSpan.FromMilliseconds(double.Parse(w["warm=".Length..], System.Globalization.CultureInfo.InvariantCulture))
                : (TimeSpan?)null;
            var b = new Daemon.TickToOrderBenchmarks { DedicatedSender = false, GapMs = 0, Warm = !options.Contains("cold"), WarmEvery = every };
            b.Setup();
            b.LiveCadence(int.Parse(orders), int.Parse(quiet), int.Parse(gap), spread: options.Contains("spread"));
            b.Cleanup();
            return;
        }
        var outOfProcess = args.Contains(OutOfProcessFlag);
        var config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(30));
        if (!outOfProcess)
            // A mutator applies to every job, including those declared by [SimpleJob] on the classes; a run may take
            // long under load (20 generated days per backtest iteration), hence the hour.
            config = config.AddJob(Job.Default
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true))
                .AsMutator());
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly)
            .Run(args.Where(a => a != OutOfProcessFlag).ToArray(), config);
    }
}
