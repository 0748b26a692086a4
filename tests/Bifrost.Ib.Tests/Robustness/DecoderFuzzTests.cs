using System.Diagnostics;
using Bifrost.Ib.Client;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Tests.Support;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Robustness;

/// <summary>
/// Deterministic fuzzing (seeded System.Random): thousands of mutated and truncated frames against both decoders and the
/// frame reader. The only acceptable failure is <see cref="IbProtocolException"/>; each case is time-bounded and the
/// frame cap bounds allocation.
/// </summary>
public class DecoderFuzzTests
{
    private const int Cases = 4000;

    private static readonly byte[][] ServerSeeds = Golden.ServerToClientNames()
        .Select(n => Golden.Payload(Golden.ServerToClient(n))).ToArray();

    private static readonly byte[][] ClientSeeds = Golden.ClientToServerNames()
        .Select(n => Golden.Payload(Golden.ClientToServer(n))).ToArray();

    private static byte[] Mutate(Random r, byte[] seed)
    {
        var b = seed.ToList();
        int edits = r.Next(1, 6);
        for (int i = 0; i < edits && b.Count > 0; i++)
        {
            int at = r.Next(b.Count);
            switch (r.Next(7))
            {
                case 0: b[at] = (byte)r.Next(256); break;                            // random byte
                case 1: b[at] = 0; break;                                            // extra field split
                case 2: b.RemoveAt(at); break;                                       // drop a byte (maybe a NUL)
                case 3: b.RemoveRange(at, b.Count - at); break;                      // truncate
                case 4: b.InsertRange(at, "99999999999999999999\0"u8.ToArray()); break; // huge number / count
                case 5: b.InsertRange(at, "-1\0"u8.ToArray()); break;               // negative count
                default: b[at] = (byte)"0123456789-.E\0"[r.Next(14)]; break;         // plausible digit noise
            }
        }
        return [.. b];
    }

    private static void ExpectOnlyProtocolErrors(Action decode)
    {
        try
        {
            decode();
        }
        catch (IbProtocolException)
        {
            // the one allowed outcome for bad input
        }
    }

    [Fact]
    public void ClientDecoder_MutatedServerFrames_OnlyProtocolErrors()
    {
        var r = new Random(193);
        var sink = new IbEventChannel();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Cases; i++)
        {
            var payload = Mutate(r, ServerSeeds[r.Next(ServerSeeds.Length)]);
            ExpectOnlyProtocolErrors(() => IbEventDecoder.Dispatch(payload, sink, out _));
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"fuzzing took {clock.Elapsed}");
    }

    [Fact]
    public void GatewayDecoder_MutatedClientFrames_OnlyProtocolErrors()
    {
        var r = new Random(7);
        for (int i = 0; i < Cases; i++)
        {
            var payload = Mutate(r, ClientSeeds[r.Next(ClientSeeds.Length)]);
            ExpectOnlyProtocolErrors(() => IbRequestDecoder.Decode(payload));
        }
    }

    [Fact]
    public async Task FrameReader_RandomStreams_BoundedAllocation_OnlyProtocolErrors()
    {
        var r = new Random(42);
        const int cap = 64 * 1024;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++)
        {
            var bytes = new byte[r.Next(0, 2048)];
            r.NextBytes(bytes);
            if (r.Next(2) == 0 && bytes.Length >= 4) bytes[0] = 0; // plausible small lengths half of the time
            var reader = new IbFrameReader(new MemoryStream(bytes), cap, initialBufferBytes: 256);
            try
            {
                while (await reader.ReadFrameAsync() is { } frame)
                {
                    var payload = frame.ToArray();
                    ExpectOnlyProtocolErrors(() => IbEventDecoder.Dispatch(payload, new IbEventChannel(), out _));
                }
            }
            catch (IbProtocolException)
            {
                // expected for most random streams
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // 500 streams × (reader buffer ≤ cap) is the ceiling; an absurd length prefix must never allocate its size.
        Assert.True(allocated < 500L * (cap + 16 * 1024), $"allocated {allocated:N0} bytes");
    }
}
