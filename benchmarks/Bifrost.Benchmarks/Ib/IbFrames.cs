using Bifrost.Ib.Messages;
using Bifrost.Ib.Wire;

namespace Bifrost.Benchmarks.Ib;

/// <summary>Builds a buffer of back-to-back frames, the way they sit in a socket read buffer.</summary>
internal static class IbFrames
{
    public static byte[] Repeat(IIbEncodable message, int count)
    {
        var w = new IbFieldWriter(IbTextPolicy.ServerEscaped).Begin();
        message.Encode(w);
        var frame = w.Frame.ToArray();
        var buffer = new byte[frame.Length * count];
        for (int i = 0; i < count; i++) frame.CopyTo(buffer, i * frame.Length);
        return buffer;
    }

    /// <summary>Cuts every frame and dispatches it; returns the frames decoded.</summary>
    public static int DecodeAll(ReadOnlySpan<byte> buffer, IbEventHandler handler)
    {
        int n = 0;
        while (IbFraming.TryReadFrame(buffer, IbProtocol.DefaultMaxFrameBytes, out var payload, out int consumed))
        {
            IbEventDecoder.Dispatch(payload, handler, out _);
            buffer = buffer[consumed..];
            n++;
        }
        return n;
    }
}
