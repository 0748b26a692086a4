using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Bifrost.Ib.Wire;

/// <summary>Which side writes: the rules for text differ (reference §3.2).</summary>
public enum IbTextPolicy
{
    /// <summary>Client → server: only printable ASCII (+TAB/LF/CR) may be sent; anything else is refused locally.</summary>
    ClientAscii,

    /// <summary>Server → client: non-ASCII is sent as <c>\uXXXX</c>, as TWS does since version 153.</summary>
    ServerEscaped,
}

/// <summary>
/// Builds one frame (4-byte big-endian length + NUL-terminated fields) in a reused buffer. Call <see cref="Begin"/>, write the
/// fields, then take <see cref="Frame"/>; the memory stays valid until the next <see cref="Begin"/>. Not thread-safe: one writer
/// per sender, used under the sender's lock.
/// Unset numbers are written as ∅ (what Java/stoqey send; reference §3.3); bools as 1/0; doubles in the shortest round-trip
/// invariant form with a ".0" for integral values (Java's spelling, e.g. <c>450.0</c>).
/// </summary>
public sealed class IbFieldWriter(IbTextPolicy policy = IbTextPolicy.ClientAscii)
{
    private const int Header = 4;
    private byte[] _buffer = new byte[512];
    private int _pos = Header;
    private int _fields;

    public IbTextPolicy Policy { get; } = policy;

    /// <summary>Fields written since <see cref="Begin"/> (tests compare it with the golden counts).</summary>
    public int FieldCount => _fields;

    public IbFieldWriter Begin()
    {
        _pos = Header;
        _fields = 0;
        return this;
    }

    /// <summary>The finished frame, length prefix included.</summary>
    public ReadOnlyMemory<byte> Frame
    {
        get
        {
            BinaryPrimitives.WriteInt32BigEndian(_buffer, _pos - Header);
            return _buffer.AsMemory(0, _pos);
        }
    }

    /// <summary>The payload without the length prefix (what a frame reader hands to a decoder).</summary>
    public ReadOnlySpan<byte> Payload => _buffer.AsSpan(Header, _pos - Header);

    public void WriteEmpty() => EndField();

    public void Write(string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            if (value.Contains('\0')) throw new ArgumentException("a field cannot contain NUL", nameof(value));
            if (Policy == IbTextPolicy.ClientAscii && !IbText.IsClientSendable(value))
                throw new ArgumentException($"only printable ASCII may be sent to TWS (client error 579): '{value}'", nameof(value));
            var text = Policy == IbTextPolicy.ServerEscaped ? IbText.Escape(value) : value;
            Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
            _pos += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_pos));
        }
        EndField();
    }

    public void Write(int value)
    {
        Ensure(11);
        value.TryFormat(_buffer.AsSpan(_pos), out int n, default, CultureInfo.InvariantCulture);
        _pos += n;
        EndField();
    }

    public void Write(long value)
    {
        Ensure(20);
        value.TryFormat(_buffer.AsSpan(_pos), out int n, default, CultureInfo.InvariantCulture);
        _pos += n;
        EndField();
    }

    public void Write(bool value)
    {
        Ensure(1);
        _buffer[_pos++] = value ? (byte)'1' : (byte)'0';
        EndField();
    }

    public void Write(double value)
    {
        if (value == double.MaxValue)
        {
            WriteAscii(IbProtocol.MaxDoubleText);
            return;
        }
        if (double.IsPositiveInfinity(value)) { WriteAscii("Infinity"); return; }
        if (double.IsNegativeInfinity(value)) { WriteAscii("-Infinity"); return; }
        if (double.IsNaN(value)) { WriteAscii("NaN"); return; }
        Ensure(32);
        var span = _buffer.AsSpan(_pos);
        value.TryFormat(span, out int n, "R", CultureInfo.InvariantCulture);
        bool integral = span[..n].IndexOfAny(".E"u8) < 0;
        _pos += n;
        if (integral)
        {
            _buffer[_pos++] = (byte)'.';
            _buffer[_pos++] = (byte)'0';
        }
        EndField();
    }

    public void Write(decimal value)
    {
        Ensure(40);
        value.TryFormat(_buffer.AsSpan(_pos), out int n, default, CultureInfo.InvariantCulture);
        _pos += n;
        EndField();
    }

    /// <summary>Max-able int: null → ∅.</summary>
    public void Write(int? value)
    {
        if (value is { } v) Write(v); else WriteEmpty();
    }

    /// <summary>Max-able double: null → ∅.</summary>
    public void Write(double? value)
    {
        if (value is { } v) Write(v); else WriteEmpty();
    }

    /// <summary>Decimal: null → ∅.</summary>
    public void Write(decimal? value)
    {
        if (value is { } v) Write(v); else WriteEmpty();
    }

    /// <summary>A null double written as the MAX_DBL literal — what TWS itself sends in some openOrder/commission fields.</summary>
    public void WriteOrMax(double? value) => Write(value ?? double.MaxValue);

    /// <summary>A null int written as the MAX_INT literal — what TWS sends for e.g. openOrder displaySize.</summary>
    public void WriteOrMax(int? value) => Write(value ?? int.MaxValue);

    private void WriteAscii(string text)
    {
        Ensure(text.Length);
        _pos += Encoding.ASCII.GetBytes(text, _buffer.AsSpan(_pos));
        EndField();
    }

    private void EndField()
    {
        Ensure(1);
        _buffer[_pos++] = 0;
        _fields++;
    }

    private void Ensure(int extra)
    {
        if (_pos + extra + 1 <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _pos + extra + 1));
    }
}
