using System.Text;

namespace Bifrost.Parquet.Thrift;

/// <summary>Writes the Thrift compact protocol; the mirror of <see cref="CompactReader"/> for the fields Bifrost writes.</summary>
internal sealed class CompactWriter
{
    private readonly MemoryStream _out = new();
    private readonly Stack<short> _lastFieldIds = new();
    private short _lastFieldId;

    public byte[] ToArray() => _out.ToArray();

    public void BeginStruct()
    {
        _lastFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void EndStruct()
    {
        _out.WriteByte(0);
        _lastFieldId = _lastFieldIds.Pop();
    }

    public void FieldHeader(short id, CompactType type)
    {
        int delta = id - _lastFieldId;
        if (delta is > 0 and <= 15)
        {
            _out.WriteByte((byte)((delta << 4) | (int)type));
        }
        else
        {
            _out.WriteByte((byte)type);
            WriteVarint(ZigZag(id));
        }
        _lastFieldId = id;
    }

    public void Bool(short id, bool value) => FieldHeader(id, value ? CompactType.BooleanTrue : CompactType.BooleanFalse);

    public void I32(short id, int value)
    {
        FieldHeader(id, CompactType.I32);
        WriteVarint(ZigZag(value));
    }

    public void I64(short id, long value)
    {
        FieldHeader(id, CompactType.I64);
        WriteVarint(ZigZag(value));
    }

    public void Binary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, CompactType.Binary);
        WriteVarint((ulong)value.Length);
        _out.Write(value);
    }

    public void String(short id, string value) => Binary(id, Encoding.UTF8.GetBytes(value));

    public void StructField(short id)
    {
        FieldHeader(id, CompactType.Struct);
    }

    public void ListField(short id, CompactType elementType, int count)
    {
        FieldHeader(id, CompactType.List);
        ListHeader(elementType, count);
    }

    public void ListHeader(CompactType elementType, int count)
    {
        if (count < 15)
        {
            _out.WriteByte((byte)((count << 4) | (int)elementType));
        }
        else
        {
            _out.WriteByte((byte)(0xF0 | (int)elementType));
            WriteVarint((ulong)count);
        }
    }

    public void ListI32(int value) => WriteVarint(ZigZag(value));

    public void ListString(string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        WriteVarint((ulong)bytes.Length);
        _out.Write(bytes);
    }

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _out.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _out.WriteByte((byte)value);
    }

    private static ulong ZigZag(long n) => (ulong)((n << 1) ^ (n >> 63));
}
