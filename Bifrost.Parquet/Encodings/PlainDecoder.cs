using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Bifrost.Parquet.Encodings;

/// <summary>PLAIN: fixed-width values back to back (little endian), booleans bit-packed, byte arrays with a 4-byte length prefix.</summary>
internal static class PlainDecoder
{
    public static void DecodeFixed<T>(ReadOnlySpan<byte> data, Span<T> destination) where T : unmanaged
    {
        int bytes = destination.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (data.Length < bytes) throw new InvalidDataException($"PLAIN data holds {data.Length} bytes, {bytes} needed for {destination.Length} values");
        MemoryMarshal.Cast<byte, T>(data[..bytes]).CopyTo(destination);
    }

    public static void DecodeBooleans(ReadOnlySpan<byte> data, Span<bool> destination)
    {
        if ((long)data.Length * 8 < destination.Length) throw new InvalidDataException($"PLAIN boolean data holds {data.Length} bytes, too few for {destination.Length} values");
        for (int i = 0; i < destination.Length; i++) destination[i] = (data[i >> 3] >> (i & 7) & 1) != 0;
    }

    /// <summary>Each value is a 4-byte little-endian length followed by that many bytes.</summary>
    public static int DecodeByteArrays(ReadOnlySpan<byte> data, int count, ByteArraySink sink)
    {
        int position = 0;
        for (int i = 0; i < count; i++)
        {
            if (data.Length - position < 4) throw new InvalidDataException($"PLAIN byte array {i} of {count}: length prefix past the end of the page");
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(data[position..]);
            position += 4;
            if (length > (uint)(data.Length - position)) throw new InvalidDataException($"PLAIN byte array {i} claims {length} bytes but only {data.Length - position} remain");
            sink(data.Slice(position, (int)length));
            position += (int)length;
        }
        return position;
    }

    public static void DecodeFixedLenByteArrays(ReadOnlySpan<byte> data, int count, int typeLength, ByteArraySink sink)
    {
        if (typeLength <= 0) throw new InvalidDataException($"FIXED_LEN_BYTE_ARRAY has invalid type length {typeLength}");
        if ((long)count * typeLength > data.Length) throw new InvalidDataException($"PLAIN data holds {data.Length} bytes, too few for {count} values of {typeLength} bytes");
        for (int i = 0; i < count; i++) sink(data.Slice(i * typeLength, typeLength));
    }
}
