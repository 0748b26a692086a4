using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Tests.Ticks;

public sealed class TickBatchPoolTests
{
    [Fact]
    public void Rent_AfterReturnOfTheSameLength_GivesTheReturnedArray()
    {
        var pool = new TickBatchPool();
        var a = pool.Rent(100);
        pool.Return(a);
        Assert.Same(a, pool.Rent(100));
        Assert.Equal(1, pool.Reused);
    }

    [Fact]
    public void Rent_OfAnotherLength_GivesANewArrayOfThatLength()
    {
        var pool = new TickBatchPool();
        var a = pool.Rent(100);
        pool.Return(a);
        var b = pool.Rent(50);
        Assert.NotSame(a, b);
        Assert.Equal(50, b.Length);
        Assert.Equal(0, pool.Reused);
    }

    [Fact]
    public void Return_BeyondCapacity_KeepsOnlyCapacityArrays()
    {
        var pool = new TickBatchPool(capacity: 2);
        var arrays = Enumerable.Range(0, 3).Select(_ => pool.Rent(10)).ToArray();
        foreach (var a in arrays) pool.Return(a);
        var again = Enumerable.Range(0, 3).Select(_ => pool.Rent(10)).ToArray();
        Assert.Equal(2, pool.Reused);
        Assert.Equal(3, again.Distinct().Count());
    }
}
