using Bifrost.Parquet.Encodings;
using FsCheck;
using FsCheck.Fluent;

namespace Bifrost.Parquet.Tests.Encodings;

public sealed class RleBitPackedTests
{
    private static int[] Decode(byte[] data, int bitWidth, int count)
    {
        var values = new int[count];
        int read = new RleBitPackedDecoder(data, 0, data.Length, bitWidth).Read(values);
        Assert.Equal(count, read);
        return values;
    }

    [Fact]
    public void RleRun_RepeatsValue_WithValueBytesByWidth()
    {
        // header 5<<1 = 10, value 0x0302 in two bytes (bit width 10)
        Assert.Equal(Enumerable.Repeat(0x302, 5), Decode([10, 0x02, 0x03], 10, 5));
        // bit width 0: every value is 0 and the run has no value bytes
        Assert.Equal(new int[4], Decode([8], 0, 4));
    }

    [Fact]
    public void BitPackedRun_UnpacksLsbFirst()
    {
        // Spec example: values 0..7 at bit width 3 → 0b10001000 0b11000110 0b11111010
        Assert.Equal(Enumerable.Range(0, 8), Decode([3, 0x88, 0xC6, 0xFA], 3, 8));
    }

    [Fact]
    public void MixedRuns_AndPaddedLastGroup_StopAtRequestedCount()
    {
        // RLE 3× value 1, then one bit-packed group of 1-bit values 0b0000_1011 (LSB first: 1 1 0 1 0 0 0 0)
        Assert.Equal(new[] { 1, 1, 1, 1, 1, 0, 1, 0 }, Decode([6, 1, 3, 0b0000_1011], 1, 8));
    }

    [Fact]
    public void LyingRunHeaders_RaiseInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => Decode([0xFF, 0xFF, 0x03, 0x00], 8, 10)); // bit-packed run far longer than the data
        Assert.Throws<InvalidDataException>(() => Decode([10], 16, 5));                       // RLE value bytes missing
        Assert.Throws<InvalidDataException>(() => new RleBitPackedDecoder([], 0, 0, 33));
    }

    [Fact]
    public void Encoder_RoundTrips_AnyValues_AtAnyWidth() =>
        Prop.ForAll<int[], byte>((values, width) =>
        {
            int bitWidth = width % 33;
            long mask = bitWidth == 32 ? uint.MaxValue : (1L << bitWidth) - 1;
            int[] input = (values ?? []).Select(v => (int)(v & mask)).ToArray();
            // Long runs exercise the RLE path, short ones the bit-packed path.
            input = input.SelectMany((v, i) => Enumerable.Repeat(v, i % 3 == 0 ? 9 : 1)).ToArray();
            using var stream = new MemoryStream();
            RleBitPackedEncoder.Encode(input, bitWidth, stream);
            return Decode(stream.ToArray(), bitWidth, input.Length).SequenceEqual(input);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Levels_GiveTheSameValidityAndCountAsTheDecodedLevels_ForAnyRuns() =>
        // Definition levels of max 1..3 in any mix of RLE and bit-packed runs, read through a scratch array smaller
        // than a packed run: validity is exactly "level == max", and the count of valid rows matches it.
        Prop.ForAll<byte[], byte, byte>((raw, maxByte, scratchByte) =>
        {
            int maxLevel = 1 + maxByte % 3;
            int bitWidth = BitUnpacker.BitWidthOf(maxLevel);
            int[] levels = (raw ?? []).SelectMany((v, i) => Enumerable.Repeat(v % (maxLevel + 1), i % 4 == 0 ? 20 : 1)).ToArray();
            using var stream = new MemoryStream();
            RleBitPackedEncoder.Encode(levels, bitWidth, stream);
            var data = stream.ToArray();
            var valid = new bool[levels.Length];
            int read = new RleBitPackedDecoder(data, 0, data.Length, bitWidth).ReadLevels(valid, maxLevel, new int[1 + scratchByte % 16], out int present);
            return read == levels.Length && valid.SequenceEqual(levels.Select(l => l == maxLevel)) && present == levels.Count(l => l == maxLevel);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Levels_AboveTheMaximum_AreCorruptData_InRleAndBitPackedRuns()
    {
        var valid = new bool[8];
        // RLE: 8 × level 2 where the column's maximum is 1 (bit width 2 so the value fits).
        Assert.Throws<InvalidDataException>(() => new RleBitPackedDecoder([16, 2], 0, 2, 2).ReadLevels(valid, 1, new int[8], out _));
        // Bit-packed, width 2: levels 1 0 3 0 … — the 3 is above a maximum of 1.
        Assert.Throws<InvalidDataException>(() => new RleBitPackedDecoder([3, 0b0011_0001, 0, 0, 0], 0, 5, 2).ReadLevels(valid, 1, new int[8], out _));
    }
}
