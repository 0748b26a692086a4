using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Wire;

/// <summary>The tickPrice hot path allocates nothing once warm (the benchmark measures the same thing with BenchmarkDotNet).</summary>
public class HotPathAllocationTests
{
    private sealed class PriceSum : IbEventHandler
    {
        public double Sum;

        public override void OnTickPrice(in IbTickPrice m) => Sum += m.Price + (double)(m.Size ?? 0);
    }

    [Fact]
    public void DecodeTickPrice_Warm_AllocatesNothing()
    {
        var w = new IbFieldWriter(IbTextPolicy.ServerEscaped).Begin();
        new IbTickPrice(1001, 1, 1.20, 10, 1).Encode(w);
        var frame = w.Frame.ToArray();
        var handler = new PriceSum();
        Decode(frame, handler, 1000); // warm up (JIT tiers, caches)

        long before = GC.GetAllocatedBytesForCurrentThread();
        Decode(frame, handler, 10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(11_000 * (1.20 + 10), handler.Sum, 6);
    }

    private static void Decode(byte[] frame, IbEventHandler handler, int times)
    {
        for (int i = 0; i < times; i++)
        {
            IbFraming.TryReadFrame(frame, IbProtocol.DefaultMaxFrameBytes, out var payload, out _);
            IbEventDecoder.Dispatch(payload, handler, out _);
        }
    }
}
