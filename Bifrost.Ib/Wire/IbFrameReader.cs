using System.Buffers.Binary;

namespace Bifrost.Ib.Wire;

/// <summary>
/// Cuts a byte stream into frames by their 4-byte big-endian length (never by NUL scanning; reference §3.1). Reads ahead into
/// one reused buffer, so a burst of small frames costs one socket read; the buffer only grows to the largest frame seen, and
/// a length above <see cref="MaxFrameBytes"/> is a protocol error raised before anything is allocated.
/// The payload returned by <see cref="ReadFrameAsync"/> is valid until the next call. Single reader only.
/// </summary>
public sealed class IbFrameReader
{
    private const int Header = 4;
    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public IbFrameReader(Stream stream, int maxFrameBytes = IbProtocol.DefaultMaxFrameBytes, int initialBufferBytes = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameBytes, 1);
        _stream = stream;
        MaxFrameBytes = maxFrameBytes;
        _buffer = new byte[Math.Min(initialBufferBytes, maxFrameBytes + Header)];
    }

    public int MaxFrameBytes { get; }

    /// <summary>
    /// The next frame's payload, or null when the stream ended cleanly at a frame boundary. Throws
    /// <see cref="IbProtocolException"/> for an absurd length, an empty or non-NUL-terminated payload, or a stream that ends
    /// inside a frame.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadFrameAsync(CancellationToken ct = default)
    {
        if (!await FillAsync(Header, ct).ConfigureAwait(false))
        {
            if (_end == _start) return null;
            throw new IbProtocolException("stream ended inside a frame length prefix");
        }
        int length = ValidateLength(BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start, Header)), MaxFrameBytes);
        if (!await FillAsync(Header + length, ct).ConfigureAwait(false))
            throw new IbProtocolException($"stream ended inside a frame ({_end - _start - Header} of {length} payload bytes)");
        var payload = _buffer.AsMemory(_start + Header, length);
        _start += Header + length;
        ValidatePayload(payload.Span);
        return payload;
    }

    /// <summary>Checks a length prefix; shared with the synchronous splitter used by tests and benchmarks.</summary>
    public static int ValidateLength(int length, int maxFrameBytes)
    {
        if (length <= 0 || length > maxFrameBytes)
            throw new IbProtocolException($"frame length {(uint)length} outside 1..{maxFrameBytes}");
        return length;
    }

    public static void ValidatePayload(ReadOnlySpan<byte> payload)
    {
        if (payload[^1] != 0) throw new IbProtocolException("frame payload does not end with NUL");
    }

    /// <summary>Ensures <paramref name="count"/> bytes are buffered from <see cref="_start"/>; false on end of stream.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken ct)
    {
        if (_end - _start >= count) return true;
        if (_buffer.Length - _start < count)
        {
            // Compact, and grow only as far as this (already validated) frame needs.
            var target = _buffer.Length >= count ? _buffer : new byte[Math.Max(count, Math.Min(_buffer.Length * 2, MaxFrameBytes + Header))];
            _buffer.AsSpan(_start, _end - _start).CopyTo(target); // memmove semantics: overlap is fine
            _end -= _start;
            _start = 0;
            _buffer = target;
        }
        while (_end - _start < count)
        {
            int n = await _stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            if (n == 0) return false;
            _end += n;
        }
        return true;
    }
}
