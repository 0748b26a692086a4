using Bifrost.Ib.Client;
using Bifrost.Ib.Tests.Support;

namespace Bifrost.Ib.Tests.Client;

public class IbPacerTests
{
    /// <summary>Reference §14 item 23: a burst of 200 requests never puts more than 45 in any rolling second.</summary>
    [Fact]
    public void Burst_Of200_NoRollingSecondAbove45()
    {
        var time = new ManualTimeProvider();
        var pacer = new IbPacer(time);
        var sendTimes = new List<TimeSpan>();
        for (int i = 0; i < 200; i++)
        {
            var wait = pacer.Reserve();
            sendTimes.Add(time.Now + wait);
            time.Advance(TimeSpan.FromMilliseconds(1)); // senders keep asking faster than allowed
        }
        int maxInWindow = sendTimes.Max(t => sendTimes.Count(s => s >= t && s < t + TimeSpan.FromSeconds(1)));
        Assert.True(maxInWindow <= 45, $"max {maxInWindow} in a rolling second");
        Assert.Equal(45, pacer.MaxPerRollingSecond);
    }

    [Fact]
    public void WithinBurst_NoWait()
    {
        var pacer = new IbPacer(new ManualTimeProvider(), burst: 5);
        for (int i = 0; i < 5; i++) Assert.Equal(TimeSpan.Zero, pacer.Reserve());
        Assert.True(pacer.Reserve() > TimeSpan.Zero);
    }

    [Fact]
    public void AfterIdle_BucketRefillsToBurstOnly()
    {
        var time = new ManualTimeProvider();
        var pacer = new IbPacer(time, burst: 5, ratePerSecond: 40);
        time.Advance(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 5; i++) Assert.Equal(TimeSpan.Zero, pacer.Reserve());
        Assert.Equal(TimeSpan.FromSeconds(1 / 40.0), pacer.Reserve());
    }
}
