using System.Text;
using Bifrost.Parquet.Encodings;
using FsCheck;
using FsCheck.Fluent;

namespace Bifrost.Parquet.Tests.Encodings;

public sealed class DeltaEncodingTests
{
    [Fact]
    public void DeltaBinaryPacked_HandBuiltVector_WithNegativeDeltas()
    {
        // Spec example 2 (values 7, 5, 3, 1, 2, 3, 4, 5): deltas -2 -2 -2 1 1 1 1, min delta -2, bit width 2.
        byte[] data =
        [
            0x80, 0x01,  // block size 128
            0x04,        // 4 miniblocks
            0x08,        // 8 values
            0x0E,        // first value 7 (zigzag 14)
            0x03,        // min delta -2 (zigzag 3)
            0x02, 0x00, 0x00, 0x00, // bit widths: 2, then unused miniblocks
            // deltas - min = 0 0 0 3 3 3 3, padded to 32 values × 2 bits = 8 bytes
            0b11_00_00_00, 0b11_11_11_11, 0, 0, 0, 0, 0, 0,
        ];
        long[] values = DeltaBinaryPackedDecoder.Decode(data, out int consumed);
        Assert.Equal(new long[] { 7, 5, 3, 1, 2, 3, 4, 5 }, values);
        Assert.Equal(data.Length, consumed);
    }

    [Fact]
    public void DeltaBinaryPacked_RoundTrips_SeveralBlocksAndMiniblocks_IncludingExtremes() =>
        Prop.ForAll<long[]>(values =>
        {
            long[] input = [.. values ?? [], long.MinValue, long.MaxValue, 0, -1];
            input = [.. input, .. Enumerable.Range(0, 300).Select(i => (long)(i * -37))]; // more than two blocks
            using var stream = new MemoryStream();
            DeltaBinaryPackedEncoder.Encode(input, stream);
            return DeltaBinaryPackedDecoder.Decode(stream.ToArray(), out _).SequenceEqual(input);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void DeltaBinaryPacked_BogusHeaders_RaiseInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => DeltaBinaryPackedDecoder.Decode([0x80, 0x01, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00], out _)); // 4G values in 9 bytes
        Assert.Throws<InvalidDataException>(() => DeltaBinaryPackedDecoder.Decode([0x07, 0x04, 0x01, 0x00], out _)); // block size not a multiple of 128
        Assert.Throws<InvalidDataException>(() => DeltaBinaryPackedDecoder.Decode([0x80, 0x01, 0x04, 0x02, 0x00, 0x00, 0x41, 0, 0, 0], out _)); // bit width 65
    }

    [Fact]
    public void DeltaLengthByteArray_DecodesLengthsThenBytes()
    {
        string[] words = ["Hello", "World", "Foobar", "ABCDEF", "", "ü"];
        using var stream = new MemoryStream();
        DeltaBinaryPackedEncoder.Encode(words.Select(w => (long)Encoding.UTF8.GetByteCount(w)).ToArray(), stream);
        foreach (var w in words) stream.Write(Encoding.UTF8.GetBytes(w));
        var decoded = new List<string>();
        DeltaLengthByteArrayDecoder.Decode(stream.ToArray(), words.Length, v => decoded.Add(Encoding.UTF8.GetString(v)));
        Assert.Equal(words, decoded);
    }

    [Fact]
    public void DeltaByteArray_RebuildsFromSharedPrefixes()
    {
        // Spec example: axis, axle, babble, babyhood → prefixes 0 2 0 3, suffixes axis le babble yhood
        using var stream = new MemoryStream();
        DeltaBinaryPackedEncoder.Encode([0, 2, 0, 3], stream);
        string[] suffixes = ["axis", "le", "babble", "yhood"];
        DeltaBinaryPackedEncoder.Encode(suffixes.Select(s => (long)s.Length).ToArray(), stream);
        foreach (var s in suffixes) stream.Write(Encoding.ASCII.GetBytes(s));
        var decoded = new List<string>();
        DeltaByteArrayDecoder.Decode(stream.ToArray(), 4, v => decoded.Add(Encoding.ASCII.GetString(v)));
        Assert.Equal(["axis", "axle", "babble", "babyhood"], decoded);
    }

    [Fact]
    public void DeltaByteArray_PrefixLongerThanPrevious_RaisesInvalidData()
    {
        using var stream = new MemoryStream();
        DeltaBinaryPackedEncoder.Encode([5], stream);
        DeltaBinaryPackedEncoder.Encode([1], stream);
        stream.WriteByte((byte)'x');
        Assert.Throws<InvalidDataException>(() => DeltaByteArrayDecoder.Decode(stream.ToArray(), 1, _ => { }));
    }

    [Fact]
    public void ByteStreamSplit_GathersStreams_AndRoundTrips()
    {
        double[] values = [1.5, -2.25, double.MaxValue, 0];
        byte[] plain = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        byte[] split = ByteStreamSplitDecoder.Encode(plain, 8);
        Assert.Equal(plain[0], split[0]);   // byte 0 of value 0
        Assert.Equal(plain[8], split[1]);   // byte 0 of value 1 follows it
        Assert.Equal(plain[1], split[4]);   // stream 1 starts after four values
        var decoded = new byte[plain.Length];
        ByteStreamSplitDecoder.Decode(split, 8, 4, decoded);
        Assert.Equal(plain, decoded);
        Assert.Throws<InvalidDataException>(() => ByteStreamSplitDecoder.Decode(split.AsSpan(0, 31), 8, 4, decoded));
    }
}
