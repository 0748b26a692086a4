using System.Buffers.Binary;

namespace Bifrost.Parquet.Reading;

/// <summary>Parquet decimals are unscaled two's-complement integers; System.Decimal holds 96 bits of magnitude and scale up to 28.</summary>
internal static class DecimalConverter
{
    public static decimal FromUnscaled(Int128 unscaled, int scale)
    {
        bool negative = unscaled < 0;
        UInt128 magnitude = negative ? (UInt128)(-unscaled) : (UInt128)unscaled;
        if (magnitude >> 96 != 0) throw new InvalidDataException($"decimal value {unscaled} (scale {scale}) exceeds the 96 bits System.Decimal holds");
        ulong low = (ulong)magnitude;
        uint high = (uint)(magnitude >> 64);
        return new decimal((int)(uint)low, (int)(uint)(low >> 32), (int)high, negative, (byte)scale);
    }

    /// <summary>Big-endian two's complement of any length up to 16 bytes (FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY decimals).</summary>
    public static decimal FromBigEndian(ReadOnlySpan<byte> bytes, int scale)
    {
        if (bytes.Length > 16)
        {
            // Wider encodings are legal; accept them while the extra leading bytes are only sign extension.
            byte sign = (bytes[0] & 0x80) != 0 ? (byte)0xFF : (byte)0;
            foreach (byte b in bytes[..^16]) if (b != sign) throw new InvalidDataException($"decimal of {bytes.Length} bytes exceeds System.Decimal");
            bytes = bytes[^16..];
        }
        if (bytes.IsEmpty) return 0m;
        Span<byte> padded = stackalloc byte[16];
        padded.Fill((bytes[0] & 0x80) != 0 ? (byte)0xFF : (byte)0);
        bytes.CopyTo(padded[(16 - bytes.Length)..]);
        return FromUnscaled(BinaryPrimitives.ReadInt128BigEndian(padded), scale);
    }
}
