using System.Buffers.Binary;

namespace Bifrost.Benchmarks.Parquet.Baselines;

/// <summary>
/// Baseline for the codec benchmarks: the hand-written raw Snappy Bifrost.Parquet used before Snappier.
/// </summary>
public static class HandWrittenSnappy
{
    public static int Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int ip = 0;
        ulong expected = ReadVarint(input, ref ip);
        if (expected != (ulong)output.Length) throw new InvalidDataException($"snappy block expands to {expected} bytes, the page header says {output.Length}");
        int op = 0;
        while (ip < input.Length)
        {
            byte tag = input[ip++];
            int length;
            int offset;
            switch (tag & 3)
            {
                case 0:
                    length = tag >> 2;
                    if (length >= 60)
                    {
                        int extra = length - 59;
                        if (input.Length - ip < extra) throw Corrupt();
                        length = 0;
                        for (int k = 0; k < extra; k++) length |= input[ip + k] << (8 * k);
                        ip += extra;
                    }
                    length += 1;
                    if (length <= 0 || length > input.Length - ip || length > output.Length - op) throw Corrupt();
                    input.Slice(ip, length).CopyTo(output[op..]);
                    ip += length;
                    op += length;
                    continue;
                case 1:
                    if (ip >= input.Length) throw Corrupt();
                    length = ((tag >> 2) & 7) + 4;
                    offset = ((tag >> 5) << 8) | input[ip++];
                    break;
                case 2:
                    if (input.Length - ip < 2) throw Corrupt();
                    length = (tag >> 2) + 1;
                    offset = BinaryPrimitives.ReadUInt16LittleEndian(input[ip..]);
                    ip += 2;
                    break;
                default:
                    if (input.Length - ip < 4) throw Corrupt();
                    length = (tag >> 2) + 1;
                    offset = BinaryPrimitives.ReadInt32LittleEndian(input[ip..]);
                    ip += 4;
                    break;
            }
            if (offset <= 0 || offset > op || length > output.Length - op) throw Corrupt();
            // Copies may overlap their own output (offset < length repeats a pattern), so copy forward byte by byte then.
            if (offset >= length)
            {
                output.Slice(op - offset, length).CopyTo(output[op..]);
            }
            else
            {
                for (int k = 0; k < length; k++) output[op + k] = output[op - offset + k];
            }
            op += length;
        }
        if (op != output.Length) throw new InvalidDataException($"snappy block produced {op} bytes, expected {output.Length}");
        return op;
    }

    public static byte[] Compress(ReadOnlySpan<byte> input)
    {
        var output = new byte[MaxCompressedLength(input.Length)];
        int op = WriteVarint(output, 0, (ulong)input.Length);
        const int HashBits = 14;
        var table = new int[1 << HashBits];
        Array.Fill(table, -1);
        int literalStart = 0;
        int ip = 0;
        while (ip + 4 <= input.Length)
        {
            uint word = BinaryPrimitives.ReadUInt32LittleEndian(input[ip..]);
            int hash = (int)((word * 0x1E35A7BDu) >> (32 - HashBits));
            int candidate = table[hash];
            table[hash] = ip;
            if (candidate >= 0 && ip - candidate <= 65535 && BinaryPrimitives.ReadUInt32LittleEndian(input[candidate..]) == word)
            {
                int length = 4;
                while (ip + length < input.Length && input[candidate + length] == input[ip + length]) length++;
                op = EmitLiteral(input[literalStart..ip], output, op);
                op = EmitCopy(ip - candidate, length, output, op);
                ip += length;
                literalStart = ip;
                continue;
            }
            ip++;
        }
        op = EmitLiteral(input[literalStart..], output, op);
        return output.AsSpan(0, op).ToArray();
    }

    public static int MaxCompressedLength(int length) => 32 + length + length / 6;

    private static int EmitLiteral(ReadOnlySpan<byte> literal, byte[] output, int op)
    {
        if (literal.IsEmpty) return op;
        int n = literal.Length - 1;
        if (n < 60)
        {
            output[op++] = (byte)(n << 2);
        }
        else
        {
            int bytes = n < 1 << 8 ? 1 : n < 1 << 16 ? 2 : n < 1 << 24 ? 3 : 4;
            output[op++] = (byte)((59 + bytes) << 2);
            for (int k = 0; k < bytes; k++) output[op++] = (byte)(n >> (8 * k));
        }
        literal.CopyTo(output.AsSpan(op));
        return op + literal.Length;
    }

    private static int EmitCopy(int offset, int length, byte[] output, int op)
    {
        // Two-byte-offset copies carry at most 64 bytes each.
        while (length > 0)
        {
            int chunk = Math.Min(length, 64);
            if (length - chunk is > 0 and < 4) chunk = length - 4;
            output[op++] = (byte)(((chunk - 1) << 2) | 2);
            output[op++] = (byte)offset;
            output[op++] = (byte)(offset >> 8);
            length -= chunk;
        }
        return op;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> input, ref int position)
    {
        ulong result = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (position >= input.Length) throw Corrupt();
            byte b = input[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw Corrupt();
    }

    private static int WriteVarint(byte[] output, int op, ulong value)
    {
        while (value >= 0x80)
        {
            output[op++] = (byte)(value | 0x80);
            value >>= 7;
        }
        output[op++] = (byte)value;
        return op;
    }

    private static InvalidDataException Corrupt() => new("snappy data is corrupt");
}
