using System.Buffers.Binary;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Tests.Wire;

public class IbFrameReaderTests
{
    private static byte[] Frames(params string[][] messages) =>
        messages.SelectMany(m => IbFraming.Frame(IbFraming.Payload(m))).ToArray();

    private static async Task<List<string[]>> ReadAll(Stream s, int max = 1 << 20)
    {
        var reader = new IbFrameReader(s, max, initialBufferBytes: 16);
        var result = new List<string[]>();
        while (await reader.ReadFrameAsync() is { } payload) result.Add(IbFraming.Fields(payload.Span));
        return result;
    }

    [Fact]
    public async Task SeveralFramesInOneRead_AreCutByLength()
    {
        var bytes = Frames(["1", "6", "1001"], ["9", "1", "117"], ["53", "1"]);
        var frames = await ReadAll(new MemoryStream(bytes));
        Assert.Equal([["1", "6", "1001"], ["9", "1", "117"], ["53", "1"]], frames);
    }

    [Fact]
    public async Task OneByteAtATime_StillYieldsWholeFrames()
    {
        var bytes = Frames(["1", "6", "1001", "1", "1.2", "10", "1"], ["49", "1", new string('x', 300)]);
        var frames = await ReadAll(new TrickleStream(bytes));
        Assert.Equal(2, frames.Count);
        Assert.Equal(300, frames[1][2].Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    [InlineData((1 << 20) + 1)]
    public async Task AbsurdLength_IsProtocolError(int length)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(bytes, length);
        await Assert.ThrowsAsync<IbProtocolException>(() => ReadAll(new MemoryStream(bytes)));
    }

    [Fact]
    public async Task StreamEndingInsideAFrame_IsProtocolError()
    {
        var bytes = Frames(["1", "6", "1001"]);
        await Assert.ThrowsAsync<IbProtocolException>(() => ReadAll(new MemoryStream(bytes[..^2])));
    }

    [Fact]
    public async Task PayloadWithoutTrailingNul_IsProtocolError()
    {
        byte[] bytes = [0, 0, 0, 2, (byte)'4', (byte)'9'];
        await Assert.ThrowsAsync<IbProtocolException>(() => ReadAll(new MemoryStream(bytes)));
    }

    [Fact]
    public async Task CleanEndAtFrameBoundary_ReturnsNull() => Assert.Empty(await ReadAll(new MemoryStream()));

    [Fact]
    public void TryReadFrame_PartialBuffer_AsksForMore()
    {
        var bytes = Frames(["1", "6", "1001"]);
        Assert.False(IbFraming.TryReadFrame(bytes.AsSpan(0, 5), 1024, out _, out _));
        Assert.True(IbFraming.TryReadFrame(bytes, 1024, out var payload, out int consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(["1", "6", "1001"], IbFraming.Fields(payload));
    }

    /// <summary>Returns one byte per read, the worst case of TCP segmentation.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], ct);
    }
}
