using Bifrost.Daemon.Broker;
using FsCheck;
using FsCheck.Fluent;

namespace Bifrost.Daemon.Tests.Broker;

public class BackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1), Max = TimeSpan.FromSeconds(60);

    [Fact]
    public void Doubles_UntilTheCap()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Backoff.Delay(1, Min, Max, 1.0));
        Assert.Equal(TimeSpan.FromSeconds(8), Backoff.Delay(4, Min, Max, 1.0));
        Assert.Equal(TimeSpan.FromSeconds(60), Backoff.Delay(10, Min, Max, 1.0));
        Assert.Equal(TimeSpan.FromSeconds(60), Backoff.Delay(int.MaxValue, Min, Max, 1.0));
    }

    [Fact]
    public void Jitter_StaysWithinHalfToFullOfTheCappedDelay() =>
        Prop.ForAll(Gen.Choose(1, 200).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (attempt, j) =>
        {
            var full = Backoff.Delay(attempt, Min, Max, 1.0);
            var d = Backoff.Delay(attempt, Min, Max, j / 1000.0);
            return d <= Max && d >= full / 2 && d <= full;
        }).QuickCheckThrowOnFailure();
}
