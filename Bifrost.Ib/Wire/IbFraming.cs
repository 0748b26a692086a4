using System.Buffers.Binary;

namespace Bifrost.Ib.Wire;

/// <summary>Synchronous framing helpers for in-memory buffers (tests, benchmarks, recorded sessions).</summary>
public static class IbFraming
{
    /// <summary>Frames a payload: 4-byte big-endian length + payload.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame.AsSpan(4));
        return frame;
    }

    /// <summary>Builds a payload from field texts (every field NUL-terminated), e.g. a golden fixture list.</summary>
    public static byte[] Payload(IEnumerable<string> fields)
    {
        var writer = new IbFieldWriter(IbTextPolicy.ServerEscaped).Begin();
        foreach (var f in fields) writer.Write(f);
        return writer.Payload.ToArray();
    }

    /// <summary>
    /// Splits a payload into field texts (the trailing empty element after the last NUL is dropped). Tolerant: an
    /// unterminated tail becomes a last field, so it can describe malformed frames too.
    /// </summary>
    public static string[] Fields(ReadOnlySpan<byte> payload)
    {
        var list = new List<string>();
        while (!payload.IsEmpty)
        {
            int nul = payload.IndexOf((byte)0);
            var field = nul < 0 ? payload : payload[..nul];
            list.Add(System.Text.Encoding.UTF8.GetString(field));
            payload = nul < 0 ? default : payload[(nul + 1)..];
        }
        return [.. list];
    }

    /// <summary>
    /// Takes the next complete frame from <paramref name="buffer"/>: true with the payload and the bytes consumed, false when
    /// more bytes are needed. Throws <see cref="IbProtocolException"/> on an invalid length or payload.
    /// </summary>
    public static bool TryReadFrame(ReadOnlySpan<byte> buffer, int maxFrameBytes, out ReadOnlySpan<byte> payload, out int consumed)
    {
        payload = default;
        consumed = 0;
        if (buffer.Length < 4) return false;
        int length = IbFrameReader.ValidateLength(BinaryPrimitives.ReadInt32BigEndian(buffer), maxFrameBytes);
        if (buffer.Length < 4 + length) return false;
        payload = buffer.Slice(4, length);
        IbFrameReader.ValidatePayload(payload);
        consumed = 4 + length;
        return true;
    }
}
