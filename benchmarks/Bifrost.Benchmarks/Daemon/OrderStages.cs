using System.Diagnostics;
using System.Runtime.InteropServices;
using Bifrost.Daemon.Engine;

namespace Bifrost.Benchmarks.Daemon;

/// <summary>What the tick-to-order benchmarks print from the engine's probe: percentiles, and each stage's wall time
/// against the engine thread's own CPU (wall above CPU is time spent waiting for a core).</summary>
internal static class OrderStages
{
    /// <summary>The calling thread's CPU clock where the OS has one here (Linux), else null: wall time only.</summary>
    public static Func<long>? ThreadCpuClock => OperatingSystem.IsLinux() ? ThreadCpuNanos : null;

    public static void Print(string what, IReadOnlyList<long> stopwatchTicks) =>
        PrintMicros(what, stopwatchTicks.Select(t => t * 1e6 / Stopwatch.Frequency));

    public static void PrintMicros(string what, IEnumerable<double> micros)
    {
        var us = micros.Order().ToArray();
        if (us.Length == 0) return;
        double P(double q) => us[Math.Min(us.Length - 1, (int)(q * us.Length))];
        Console.WriteLine($"// {what}, {us.Length} orders: p50 {P(0.50):F1} µs, p99 {P(0.99):F1} µs, p99.9 {P(0.999):F1} µs, max {us[^1]:F1} µs");
    }

    /// <summary>Wall time and engine-thread CPU per stage, and the trigger's wait in the engine's queue when known:
    /// medians for all orders (a run's first orders meet tier-0 code and the JIT, which a mean would spread over all),
    /// means for a tail (<paramref name="means"/>: which stage the tail's time is in, even when it is a different stage
    /// for different orders).</summary>
    public static void PrintPhases(string which, IReadOnlyList<OrderPhases> phases, IReadOnlyList<bool> gc, bool means = false)
    {
        if (phases.Count == 0) return;
        Func<IEnumerable<double>, double> stat = means ? v => v.DefaultIfEmpty(double.NaN).Average() : Median;
        string Stage(string name, IEnumerable<PhaseTime> t)
        {
            var list = t.ToList();
            var wall = stat(list.Select(p => p.WallTicks * 1e6 / Stopwatch.Frequency));
            var known = list.Where(p => p.CpuNanos >= 0).ToList();
            var cpu = known.Count == 0 ? "cpu n/a" : $"cpu {stat(known.Select(p => p.CpuNanos / 1e3)):F0}";
            return $"{name} wall {wall:F0} {cpu}";
        }
        var queued = phases.Where(p => p.QueuedNanos >= 0).ToList();
        var wait = queued.Count == 0 ? "" : $"in the engine's queue {stat(queued.Select(p => p.QueuedNanos / 1e3)):F0}; ";
        Console.WriteLine($"// stages of {which} ({phases.Count}, {gc.Count(g => g)} with a gen-0 collection), {(means ? "mean" : "median")} µs: " + wait + string.Join("; ",
            Stage("step and earlier commands", phases.Select(p => p.ToDispatch)), Stage("journal", phases.Select(p => p.ToJournaled)),
            Stage("to the client", phases.Select(p => p.ToSending)), Stage("encode and write", phases.Select(p => p.SendingToWritten))));
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>CLOCK_THREAD_CPUTIME_ID = 3 on Linux.</summary>
    private static long ThreadCpuNanos() => ClockGetTime(3, out var t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : -1;
}
