using System.Diagnostics;
using Bifrost.Daemon.Engine;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>The latency probe's stages: each order's CPU per stage is the difference of the thread-CPU readings taken
/// at its boundaries, and a write reported from another thread has no engine CPU.</summary>
public sealed class EngineProbeTests
{
    /// <summary>A thread-CPU clock that advances by the next step on each reading.</summary>
    private sealed class SteppedCpu(params long[] steps)
    {
        private long _now;
        private int _i;

        public long Read() => _now += steps[Math.Min(_i++, steps.Length - 1)];
    }

    [Fact]
    public void Order_OnTheEngineThread_HasEachStagesCpu()
    {
        // Readings: dequeue, dispatching, recorded, sending, written.
        var cpu = new SteppedCpu(1_000, 10_000, 20_000, 3_000, 40_000);
        var probe = new EngineProbe { ThreadCpuNanos = cpu.Read };
        probe.DequeuedAt = Stopwatch.GetTimestamp();
        probe.Dispatching();
        probe.Recorded();
        probe.Sending(7);
        probe.Written(7);

        var p = Assert.Single(probe.Phases);
        Assert.Equal(10_000, p.ToDispatch.CpuNanos);
        Assert.Equal(20_000, p.ToJournaled.CpuNanos);
        Assert.Equal(3_000, p.ToSending.CpuNanos);
        Assert.Equal(40_000, p.SendingToWritten.CpuNanos);
        Assert.All([p.ToDispatch, p.ToJournaled, p.ToSending, p.SendingToWritten], s => Assert.True(s.WallTicks >= 0));
        var total = p.ToDispatch.WallTicks + p.ToJournaled.WallTicks + p.ToSending.WallTicks + p.SendingToWritten.WallTicks;
        Assert.Equal(Assert.Single(probe.TickToOrderTicks), total);
        Assert.Equal(p.DequeuedAt + total, p.WrittenAt);
        Assert.Equal(p.DequeuedAt, p.QueuedAt); // stepped directly: no wait in the queue
    }

    [Fact]
    public void Order_WrittenBySendingThread_HasNoEngineCpuForTheWrite()
    {
        var cpu = new SteppedCpu(1_000);
        var probe = new EngineProbe { ThreadCpuNanos = cpu.Read };
        probe.DequeuedAt = Stopwatch.GetTimestamp();
        probe.Dispatching();
        probe.Recorded();
        probe.Sending(9);
        var writer = new Thread(() => probe.Written(9));
        writer.Start();
        writer.Join();

        var p = Assert.Single(probe.Phases);
        Assert.Equal(1_000, p.ToJournaled.CpuNanos);
        Assert.Equal(-1, p.SendingToWritten.CpuNanos);
    }

    [Fact]
    public void Order_FromTheQueue_NotesTheTriggersWait()
    {
        var probe = new EngineProbe();
        probe.Dequeued(EngineClock.WallNanos() - 5_000_000); // queued 5 ms ago
        probe.Dispatching();
        probe.Recorded();
        probe.Sending(1);
        probe.Written(1);
        probe.DequeuedAt = Stopwatch.GetTimestamp(); // stepped directly (the in-process benchmark): no queue
        probe.Dispatching();
        probe.Recorded();
        probe.Sending(2);
        probe.Written(2);

        Assert.Equal(2, probe.Phases.Count);
        Assert.InRange(probe.Phases[0].QueuedNanos, 5_000_000, 5_000_000_000);
        var waited = (probe.Phases[0].DequeuedAt - probe.Phases[0].QueuedAt) * 1e9 / Stopwatch.Frequency;
        Assert.InRange(waited, 4_999_000, 5_000_000_000.0);
        Assert.Equal(-1, probe.Phases[1].QueuedNanos);
    }

    [Fact]
    public void Probe_WithoutCpuClock_RecordsWallOnly()
    {
        var probe = new EngineProbe();
        probe.DequeuedAt = Stopwatch.GetTimestamp();
        probe.Dispatching();
        probe.Recorded();
        probe.Sending(3);
        probe.Written(3);
        probe.Written(4); // never sent: ignored

        var p = Assert.Single(probe.Phases);
        Assert.All([p.ToDispatch, p.ToJournaled, p.ToSending, p.SendingToWritten], s => Assert.Equal(-1, s.CpuNanos));
        probe.Clear();
        Assert.Empty(probe.Phases);
    }
}
