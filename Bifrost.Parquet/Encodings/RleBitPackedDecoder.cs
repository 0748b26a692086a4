using System.Numerics;
using System.Runtime.InteropServices;

namespace Bifrost.Parquet.Encodings;

/// <summary>
/// Decodes the RLE / bit-packed hybrid used for definition levels, dictionary ids and booleans.
/// A run header's low bit tells the kind: 0 = a value repeated (header>>1) times, 1 = (header>>1) groups of eight packed values.
/// Runs that claim more bytes than remain raise <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class RleBitPackedDecoder
{
    private readonly byte[] _data;
    private readonly int _end;
    private readonly int _bitWidth;
    private int _position;
    private int _rleRemaining;
    private int _rleValue;
    private int _packedRemaining;
    private int _packedStart;   // byte offset of the current bit-packed run
    private int _packedIndex;   // values already taken from it

    public RleBitPackedDecoder(byte[] data, int offset, int length, int bitWidth)
    {
        if (bitWidth is < 0 or > 32) throw new InvalidDataException($"RLE bit width {bitWidth} is out of range 0..32");
        _data = data;
        _position = offset;
        _end = offset + length;
        _bitWidth = bitWidth;
    }

    public int Position => _position;

    /// <summary>Fills destination; returns how many values were available (fewer only if the data ends).</summary>
    public int Read(Span<int> destination)
    {
        int filled = 0;
        while (filled < destination.Length)
        {
            if (_rleRemaining > 0)
            {
                int n = Math.Min(_rleRemaining, destination.Length - filled);
                destination.Slice(filled, n).Fill(_rleValue);
                _rleRemaining -= n;
                filled += n;
            }
            else if (_packedRemaining > 0)
            {
                int n = Math.Min(_packedRemaining, destination.Length - filled);
                var source = _data.AsSpan(_packedStart, _position - _packedStart);
                BitUnpacker.Unpack32(source, _bitWidth, destination.Slice(filled, n), n, (long)_packedIndex * _bitWidth);
                _packedIndex += n;
                _packedRemaining -= n;
                filled += n;
            }
            else if (!NextRun())
            {
                break;
            }
        }
        return filled;
    }

    /// <summary>Definition levels straight to validity (level == <paramref name="maxLevel"/>): an RLE run fills its
    /// slice at once, a bit-packed run goes through <paramref name="scratch"/>. A level above the maximum is corrupt data.
    /// Returns how many levels were available; <paramref name="present"/> counts the valid ones.</summary>
    public int ReadLevels(Span<bool> valid, int maxLevel, Span<int> scratch, out int present)
    {
        int filled = 0;
        present = 0;
        while (filled < valid.Length)
        {
            if (_rleRemaining > 0)
            {
                if ((uint)_rleValue > (uint)maxLevel) throw LevelTooHigh(_rleValue, maxLevel);
                int n = Math.Min(_rleRemaining, valid.Length - filled);
                bool isValid = _rleValue == maxLevel;
                valid.Slice(filled, n).Fill(isValid);
                if (isValid) present += n;
                _rleRemaining -= n;
                filled += n;
            }
            else if (_packedRemaining >= 8 && _bitWidth == 1 && maxLevel == 1 && (_packedIndex & 7) == 0 && valid.Length - filled >= 8)
            {
                // A flat optional column (levels 0/1, one bit each): eight rows per byte, through a table.
                int bytes = Math.Min(_packedRemaining, valid.Length - filled) >> 3;
                var source = _data.AsSpan(_packedStart + (_packedIndex >> 3), bytes);
                var target = MemoryMarshal.Cast<bool, ulong>(valid.Slice(filled, bytes * 8));
                for (int i = 0; i < source.Length; i++)
                {
                    target[i] = BitsAsBools[source[i]];
                    present += BitOperations.PopCount(source[i]);
                }
                _packedIndex += bytes * 8;
                _packedRemaining -= bytes * 8;
                filled += bytes * 8;
            }
            else if (_packedRemaining > 0)
            {
                // At most what is left of this run: Read unpacks from it alone.
                int n = Math.Min(Math.Min(_packedRemaining, valid.Length - filled), scratch.Length);
                var levels = scratch[..n];
                Read(levels);
                var target = valid.Slice(filled, n);
                for (int i = 0; i < levels.Length; i++)
                {
                    int level = levels[i];
                    if ((uint)level > (uint)maxLevel) throw LevelTooHigh(level, maxLevel);
                    bool isValid = level == maxLevel;
                    target[i] = isValid;
                    present += isValid ? 1 : 0;
                }
                filled += n;
            }
            else if (!NextRun())
            {
                break;
            }
        }
        return filled;
    }

    // Byte b as eight bools, least significant bit first, in one little-endian ulong.
    private static readonly ulong[] BitsAsBools = Enumerable.Range(0, 256)
        .Select(b => Enumerable.Range(0, 8).Aggregate(0UL, (word, bit) => word | ((ulong)((b >> bit) & 1) << (8 * bit)))).ToArray();

    private static InvalidDataException LevelTooHigh(int level, int maxLevel) =>
        new($"definition level {level} exceeds the column's maximum {maxLevel}");

    private bool NextRun()
    {
        if (_position >= _end) return false;
        uint header = ReadVarint();
        int count = (int)(header >> 1);
        if ((header & 1) == 0)
        {
            int bytes = (_bitWidth + 7) / 8;
            if (_end - _position < bytes) throw new InvalidDataException("RLE run value extends past the end of its data");
            int value = 0;
            for (int k = 0; k < bytes; k++) value |= _data[_position + k] << (8 * k);
            _position += bytes;
            _rleValue = value;
            _rleRemaining = count;
        }
        else
        {
            long bytes = (long)count * _bitWidth;
            if (bytes > _end - _position) throw new InvalidDataException($"bit-packed run of {count} groups needs {bytes} bytes but only {_end - _position} remain");
            _packedStart = _position;
            _position += (int)bytes;
            _packedRemaining = count * 8;
            _packedIndex = 0;
        }
        return true;
    }

    private uint ReadVarint()
    {
        uint result = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (_position >= _end) throw new InvalidDataException("RLE run header ends early");
            byte b = _data[_position++];
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new InvalidDataException("RLE run header varint is too long");
    }
}
