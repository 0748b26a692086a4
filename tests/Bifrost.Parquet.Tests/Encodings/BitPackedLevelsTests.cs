using Bifrost.Parquet.Format;
using Bifrost.Parquet.Reading;

namespace Bifrost.Parquet.Tests.Encodings;

/// <summary>The deprecated BIT_PACKED encoding of data page v1 levels (older writers): packed from the most significant
/// bit, unlike the hybrid encoding's bit-packed runs, with no length prefix. Checked against the format specification's
/// own example and against levels packed here bit by bit.</summary>
public sealed class BitPackedLevelsTests
{
    private static (bool[] Valid, int Present, int Used) Decode(byte[] data, int maxLevel, int count)
    {
        var valid = new bool[count];
        var used = LevelDecoder.DecodeV1(ParquetEncoding.BitPacked, data, 0, data.Length, maxLevel, valid, out var present);
        return (valid, present, used);
    }

    /// <summary>Levels packed MSB first, written out as a bit string (the specification's own description).</summary>
    private static byte[] PackMsbFirst(int[] levels, int bitWidth)
    {
        var bits = string.Concat(levels.Select(l => Convert.ToString(l, 2).PadLeft(bitWidth, '0')));
        bits = bits.PadRight((bits.Length + 7) / 8 * 8, '0');
        return Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(8 * i, 8), 2)).ToArray();
    }

    [Fact]
    public void TheSpecificationsExample_ZeroToSevenAtWidthThree_IsThreeBytes_OnlySevenAtTheTop()
    {
        // parquet-format Encodings.md, BIT_PACKED: 0..7 at bit width 3 → 00000101 00111001 01110111.
        Assert.Equal(new byte[] { 0b0000_0101, 0b0011_1001, 0b0111_0111 }, PackMsbFirst([0, 1, 2, 3, 4, 5, 6, 7], 3));
        var (valid, present, used) = Decode([0b0000_0101, 0b0011_1001, 0b0111_0111], maxLevel: 7, count: 8);
        Assert.Equal(3, used);
        Assert.Equal(1, present);
        Assert.Equal([false, false, false, false, false, false, false, true], valid);
    }

    [Fact]
    public void WidthOne_NullsWherever_TheLevelIsZero_AcrossTheByteBoundary()
    {
        int[] levels = [1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1];
        var data = PackMsbFirst(levels, 1);
        Assert.Equal(new byte[] { 0b1011_0001, 0b1010_0000 }, data);
        var (valid, present, used) = Decode(data, maxLevel: 1, count: levels.Length);
        Assert.Equal(2, used);
        Assert.Equal(6, present);
        Assert.Equal(levels.Select(l => l == 1), valid);
    }

    [Fact]
    public void WidthThree_EveryPositionOfAByte_ReadsItsOwnLevel()
    {
        // Each level at the maximum in turn, the others below it: a bit read from the wrong end moves the value.
        for (var at = 0; at < 16; at++)
        {
            var levels = Enumerable.Range(0, 16).Select(i => i == at ? 7 : i % 7).ToArray();
            var (valid, present, used) = Decode(PackMsbFirst(levels, 3), maxLevel: 7, count: levels.Length);
            Assert.Equal(6, used);
            Assert.Equal(1, present);
            Assert.Equal(levels.Select(l => l == 7), valid);
        }
    }

    [Fact]
    public void LevelsLongerThanThePage_AreRefused()
    {
        var e = Assert.Throws<InvalidDataException>(() => Decode([0xFF], maxLevel: 1, count: 9));
        Assert.Contains("BIT_PACKED", e.Message);
    }
}
