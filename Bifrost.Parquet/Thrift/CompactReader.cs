using System.Buffers.Binary;
using System.Text;

namespace Bifrost.Parquet.Thrift;

/// <summary>
/// Reads the Thrift compact protocol from a byte buffer. Every length is checked against the bytes left,
/// so a corrupt footer raises <see cref="InvalidDataException"/> instead of allocating or looping.
/// Parquet's structs are small, so callers drive it field by field (see Format/MetadataReader).
/// </summary>
internal sealed class CompactReader
{
    // Nesting deeper than this is not found in real Parquet metadata; it guards skip recursion.
    private const int MaxDepth = 64;

    private readonly byte[] _buffer;
    private readonly int _end;
    private int _position;
    private int _depth;
    private readonly Stack<short> _lastFieldIds = new();
    private short _lastFieldId;
    // The compact protocol stores a boolean field's value in its header type nibble.
    private bool? _pendingBool;

    public CompactReader(byte[] buffer, int offset, int count)
    {
        _buffer = buffer;
        _position = offset;
        _end = offset + count;
    }

    public int Position => _position;

    public void BeginStruct()
    {
        if (++_depth > MaxDepth) throw new InvalidDataException("thrift structures nested too deeply");
        _lastFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void EndStruct()
    {
        _depth--;
        _lastFieldId = _lastFieldIds.Pop();
    }

    /// <summary>Reads the next field header; returns false at the struct's stop byte.</summary>
    public bool NextField(out short id, out CompactType type)
    {
        byte header = ReadByte();
        type = (CompactType)(header & 0x0F);
        if (type == CompactType.Stop)
        {
            id = 0;
            return false;
        }
        int delta = header >> 4;
        id = delta != 0 ? (short)(_lastFieldId + delta) : (short)ZigZag32((uint)ReadVarint());
        _lastFieldId = id;
        _pendingBool = type switch
        {
            CompactType.BooleanTrue => true,
            CompactType.BooleanFalse => false,
            _ => null,
        };
        if (type > CompactType.Struct) throw new InvalidDataException($"thrift field {id} has unknown type {(int)type}");
        return true;
    }

    public bool ReadBool()
    {
        if (_pendingBool is { } value)
        {
            _pendingBool = null;
            return value;
        }
        // Inside lists a boolean is a whole byte: 1 is true (some writers use 0 for false, others 2).
        return ReadByte() == 1;
    }

    public byte ReadByte()
    {
        if (_position >= _end) throw Truncated();
        return _buffer[_position++];
    }

    public short ReadI16() => (short)ZigZag32((uint)ReadVarint());

    public int ReadI32() => ZigZag32((uint)ReadVarint());

    public long ReadI64() => ZigZag64(ReadVarint());

    public double ReadDouble()
    {
        Require(8);
        double value = BinaryPrimitives.ReadDoubleLittleEndian(_buffer.AsSpan(_position, 8));
        _position += 8;
        return value;
    }

    public byte[] ReadBinary()
    {
        int length = ReadLength();
        byte[] value = _buffer.AsSpan(_position, length).ToArray();
        _position += length;
        return value;
    }

    public string ReadString()
    {
        int length = ReadLength();
        string value = Encoding.UTF8.GetString(_buffer, _position, length);
        _position += length;
        return value;
    }

    /// <summary>Reads a list header; the element count is checked against the bytes left (each element takes at least one byte, except booleans which still take one).</summary>
    public int ReadListHeader(out CompactType elementType)
    {
        byte header = ReadByte();
        elementType = (CompactType)(header & 0x0F);
        int size = header >> 4;
        if (size == 15)
        {
            ulong big = ReadVarint();
            if (big > int.MaxValue) throw new InvalidDataException($"thrift list size {big} is impossible");
            size = (int)big;
        }
        if (size > _end - _position) throw new InvalidDataException($"thrift list of {size} elements exceeds the {_end - _position} bytes left");
        return size;
    }

    /// <summary>Skips a value of any type, so fields added by newer writers are ignored correctly.</summary>
    public void Skip(CompactType type)
    {
        switch (type)
        {
            case CompactType.BooleanTrue:
            case CompactType.BooleanFalse:
                if (_pendingBool.HasValue) _pendingBool = null;
                else ReadByte();
                break;
            case CompactType.Byte: ReadByte(); break;
            case CompactType.I16:
            case CompactType.I32:
            case CompactType.I64: ReadVarint(); break;
            case CompactType.Double: Require(8); _position += 8; break;
            case CompactType.Binary: _position += ReadLength(); break;
            case CompactType.List:
            case CompactType.Set:
            {
                int count = ReadListHeader(out var element);
                for (int i = 0; i < count; i++) Skip(element);
                break;
            }
            case CompactType.Map:
            {
                ulong count = ReadVarint();
                if (count == 0) break;
                if (count > (ulong)(_end - _position)) throw new InvalidDataException("thrift map size exceeds the bytes left");
                byte kinds = ReadByte();
                for (ulong i = 0; i < count; i++)
                {
                    Skip((CompactType)(kinds >> 4));
                    Skip((CompactType)(kinds & 0x0F));
                }
                break;
            }
            case CompactType.Struct:
                BeginStruct();
                while (NextField(out _, out var fieldType)) Skip(fieldType);
                EndStruct();
                break;
            default:
                throw new InvalidDataException($"cannot skip unknown thrift type {(int)type}");
        }
    }

    private int ReadLength()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_end - _position)) throw new InvalidDataException($"thrift binary of {length} bytes exceeds the {_end - _position} bytes left");
        return (int)length;
    }

    private ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new InvalidDataException("thrift varint longer than 10 bytes");
    }

    private void Require(int count)
    {
        if (_end - _position < count) throw Truncated();
    }

    private static InvalidDataException Truncated() => new("thrift data ends early (truncated metadata or page header)");

    private static int ZigZag32(uint n) => (int)(n >> 1) ^ -(int)(n & 1);

    private static long ZigZag64(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);
}
