using Bifrost.Store.ReadModel;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.Writer;

/// <summary>Schema v8: the portfolio schedule's only state, one row per schedule name, the newest write wins.</summary>
public sealed class PortfolioScheduleWriteTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task ScheduleState_IsUpsertedByName_NewestWriteWins_UnknownNameReadsNull()
    {
        await using (var w = _store.OpenWriter())
        {
            w.SetPortfolioSchedule("weekly", 100);
            w.SetPortfolioSchedule("weekly", 250);
            w.SetPortfolioSchedule("daily", 7);
            await w.FlushAsync();
        }
        using var r = StoreReader.Open(_store.Path);
        Assert.Equal(250, r.GetPortfolioScheduleHandledThrough("weekly"));
        Assert.Equal(7, r.GetPortfolioScheduleHandledThrough("daily"));
        Assert.Null(r.GetPortfolioScheduleHandledThrough("monthly"));
    }
}
