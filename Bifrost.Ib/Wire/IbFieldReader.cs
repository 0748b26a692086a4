using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Bifrost.Ib.Wire;

/// <summary>
/// Walks the NUL-terminated fields of one frame payload (reference §3.1–3.3) without copying: numbers are parsed straight
/// from the UTF-8 bytes, so decoding a numeric-only message allocates nothing. Strings allocate (except the empty string).
/// Every failure — missing field, unparsable number — throws <see cref="IbProtocolException"/>.
/// </summary>
public ref struct IbFieldReader
{
    private ReadOnlySpan<byte> _rest;
    private int _index;

    public IbFieldReader(ReadOnlySpan<byte> payload)
    {
        _rest = payload;
        _index = 0;
    }

    /// <summary>0-based index of the next field (index 0 = the message id).</summary>
    public readonly int Index => _index;

    public readonly bool AtEnd => _rest.IsEmpty;

    /// <summary>Counts the fields left; used for diagnostics and leftover checks.</summary>
    public readonly int RemainingFields => _rest.Count((byte)0);

    public ReadOnlySpan<byte> Next()
    {
        int nul = _rest.IndexOf((byte)0);
        if (nul < 0)
        {
            throw new IbProtocolException(_rest.IsEmpty
                ? $"message truncated: field {_index} missing"
                : $"field {_index} is not NUL-terminated");
        }
        var field = _rest[..nul];
        _rest = _rest[(nul + 1)..];
        _index++;
        return field;
    }

    public void Skip(int count = 1)
    {
        for (int i = 0; i < count; i++) Next();
    }

    /// <summary>Throws when fields are left over: a leftover means our layout and the peer's disagree (reference §3.6).</summary>
    public readonly void ExpectEnd(string message)
    {
        if (!_rest.IsEmpty) throw Leftover(message);
    }

    /// <summary>As <see cref="ExpectEnd(string)"/>; takes the message type so the hot path formats nothing.</summary>
    public readonly void ExpectEnd(Type message)
    {
        if (!_rest.IsEmpty) throw Leftover(message.Name);
    }

    private readonly IbProtocolException Leftover(string message) =>
        new($"{message}: {RemainingFields} unexpected trailing field(s) after field {_index - 1}");

    public string ReadString()
    {
        var f = Next();
        if (f.IsEmpty) return string.Empty;
        string s;
        try
        {
            s = Utf8Strict.GetString(f);
        }
        catch (DecoderFallbackException)
        {
            throw new IbProtocolException($"field {_index - 1} is not valid UTF-8");
        }
        // TWS (≥ 153) escapes non-ASCII as \uXXXX; undo it so callers see the real text.
        return s.Contains("\\u", StringComparison.Ordinal) ? IbText.Unescape(s) : s;
    }

    /// <summary>Plain int: ∅ reads as 0.</summary>
    public int ReadInt()
    {
        var f = Next();
        if (f.IsEmpty) return 0;
        if (Utf8Parser.TryParse(f, out int v, out int used) && used == f.Length) return v;
        throw Bad("int", f);
    }

    /// <summary>Max-able int: ∅ and 2147483647 read as null.</summary>
    public int? ReadIntMax()
    {
        var f = Next();
        if (f.IsEmpty) return null;
        if (Utf8Parser.TryParse(f, out int v, out int used) && used == f.Length) return v == int.MaxValue ? null : v;
        throw Bad("int", f);
    }

    public long ReadLong()
    {
        var f = Next();
        if (f.IsEmpty) return 0;
        if (Utf8Parser.TryParse(f, out long v, out int used) && used == f.Length) return v;
        throw Bad("long", f);
    }

    public bool ReadBool() => ReadInt() != 0;

    /// <summary>Plain double: ∅ reads as 0. Accepts Java spellings (<c>1E-5</c>, <c>Infinity</c>).</summary>
    public double ReadDouble()
    {
        var f = Next();
        return f.IsEmpty ? 0d : ParseDouble(f);
    }

    /// <summary>Max-able double: ∅ and MAX_DBL (any spelling) read as null. Infinity is a value, not "unset".</summary>
    public double? ReadDoubleMax()
    {
        var f = Next();
        if (f.IsEmpty) return null;
        double v = ParseDouble(f);
        return v == double.MaxValue ? null : v;
    }

    /// <summary>Decimal (sizes, quantities): ∅ and every sentinel of reference §3.3 read as null.</summary>
    public decimal? ReadDecimal()
    {
        var f = Next();
        if (f.IsEmpty || IsDecimalSentinel(f)) return null;
        if (decimal.TryParse(f, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var v))
            return v;
        throw Bad("decimal", f);
    }

    private readonly double ParseDouble(ReadOnlySpan<byte> f)
    {
        // Utf8Parser is the fast path for plain and exponent forms; double.TryParse covers Infinity/NaN and rarer spellings.
        if (Utf8Parser.TryParse(f, out double v, out int used) && used == f.Length) return v;
        if (double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out v)) return v;
        throw Bad("double", f);
    }

    private static bool IsDecimalSentinel(ReadOnlySpan<byte> f) =>
        f.SequenceEqual("2147483647"u8) || f.SequenceEqual("9223372036854775807"u8) ||
        f.SequenceEqual("-9223372036854775808"u8) || f.StartsWith("1.7976931348623157"u8);

    private readonly IbProtocolException Bad(string kind, ReadOnlySpan<byte> f)
    {
        var shown = f.Length > 40 ? f[..40] : f;
        return new IbProtocolException($"field {_index - 1}: '{Encoding.UTF8.GetString(shown)}' is not a valid {kind}");
    }

    private static readonly UTF8Encoding Utf8Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
