using Bifrost.Daemon.Engine;

namespace Bifrost.Daemon.Tests.Engine;

/// <summary>The engine's system clock against a host clock the test steps (hand-written: wall and monotonic apart).</summary>
public class SystemEngineClockTests
{
    private const long Second = 1_000_000_000L;
    private const long Tolerance = 2 * Second;

    private sealed class FakeHost(long wall) : IHostClock
    {
        public long Wall = wall;
        public long Mono = 5 * Second;

        public void Pass(long nanos)
        {
            Wall += nanos;
            Mono += nanos;
        }

        public long WallNanos() => Wall;

        public long MonotonicNanos() => Mono;
    }

    private const long Start = 1_772_460_000L * Second; // 2026-03-02, a session morning

    [Fact]
    public void NoStep_EngineTimeIsTheHostsWallClock()
    {
        var host = new FakeHost(Start);
        var clock = new SystemEngineClock(host);
        host.Pass(90 * Second);
        Assert.Equal(Start + 90 * Second, clock.NowNanos());
        Assert.Null(clock.DetectStep(Tolerance));
    }

    [Fact]
    public void WallClockSteppedBack_EngineTimeRunsOn_TheStepIsReportedOnce_AndNotFollowed()
    {
        var host = new FakeHost(Start);
        var clock = new SystemEngineClock(host);
        host.Pass(10 * Second);
        host.Wall -= 3_600 * Second;
        Assert.Equal(Start + 10 * Second, clock.NowNanos()); // not back an hour
        Assert.Equal(-3_600 * Second, clock.DetectStep(Tolerance));
        clock.FollowStep();
        host.Pass(30 * Second);
        Assert.Equal(Start + 40 * Second, clock.NowNanos()); // runs on: no timer frozen for an hour
        Assert.Null(clock.DetectStep(Tolerance)); // reported once
    }

    [Fact]
    public void WallClockSteppedForward_IsReported_ThenFollowed()
    {
        var host = new FakeHost(Start);
        var clock = new SystemEngineClock(host);
        host.Wall += 7_200 * Second;
        Assert.Equal(7_200 * Second, clock.DetectStep(Tolerance));
        Assert.Equal(Start, clock.NowNanos()); // not before the step is posted
        clock.FollowStep();
        Assert.Equal(Start + 7_200 * Second, clock.NowNanos());
        Assert.Null(clock.DetectStep(Tolerance));
    }

    [Fact]
    public void SteppedBack_ThenCorrectedForward_ReportsTheReturn_AndAgreesWithTheHostAgain()
    {
        var host = new FakeHost(Start);
        var clock = new SystemEngineClock(host);
        host.Wall -= 600 * Second;
        Assert.Equal(-600 * Second, clock.DetectStep(Tolerance));
        clock.FollowStep();
        host.Wall += 600 * Second;
        Assert.Equal(600 * Second, clock.DetectStep(Tolerance));
        clock.FollowStep();
        Assert.Equal(host.Wall, clock.NowNanos());
        Assert.Null(clock.DetectStep(Tolerance));
    }

    [Fact]
    public void DriftWithinTheTolerance_ForwardIsFollowedQuietly_BackIsNot()
    {
        var host = new FakeHost(Start);
        var clock = new SystemEngineClock(host);
        host.Wall += Second; // a second's suspend
        Assert.Null(clock.DetectStep(Tolerance));
        Assert.Equal(host.Wall, clock.NowNanos());
        host.Wall -= Second;
        Assert.Null(clock.DetectStep(Tolerance));
        Assert.Equal(Start + Second, clock.NowNanos()); // never back
    }

    [Fact]
    public void EngineTime_NeverGoesBack_AndKeepsUpForward_WhateverTheWallClockDoes()
    {
        var host = new FakeHost(Start);
        var clock = new SystemEngineClock(host);
        var rng = new Random(7);
        var last = clock.NowNanos();
        for (var i = 0; i < 2_000; i++)
        {
            host.Pass(rng.Next(0, 1_000) * 1_000_000L);
            if (rng.Next(20) == 0) host.Wall += (rng.Next(-7_200, 7_200)) * Second;
            if (clock.DetectStep(Tolerance) is not null) clock.FollowStep();
            var now = clock.NowNanos();
            Assert.True(now >= last, $"step {i}: {now} < {last}");
            // Forward it keeps up (a suspend, a clock corrected forward: the session's hours follow the host's).
            Assert.True(now >= host.Wall - Tolerance, $"step {i}: the engine {now} lags the host {host.Wall} by more than the tolerance");
            last = now;
        }
    }
}
