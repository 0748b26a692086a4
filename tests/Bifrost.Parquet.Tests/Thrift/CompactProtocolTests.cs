using Bifrost.Parquet.Format;
using Bifrost.Parquet.Thrift;

namespace Bifrost.Parquet.Tests.Thrift;

public sealed class CompactProtocolTests
{
    [Fact]
    public void FileMetaData_RoundTrips_ThroughWriterAndReader()
    {
        var metadata = new FileMetaData
        {
            Version = 1,
            NumRows = 1L << 40,
            CreatedBy = "test ü",
            Schema =
            [
                new SchemaElement { Name = "schema", NumChildren = 2 },
                new SchemaElement { Name = "ts", Type = PhysicalType.Int64, RepetitionType = Repetition.Required, LogicalType = new LogicalType(LogicalKind.Timestamp, IsAdjustedToUtc: true, Unit: TimeUnit.Nanos) },
                new SchemaElement { Name = "px", Type = PhysicalType.Int32, RepetitionType = Repetition.Optional, ConvertedType = ConvertedType.Decimal, Scale = 2, Precision = 9, LogicalType = new LogicalType(LogicalKind.Decimal, Scale: 2, Precision: 9) },
            ],
            RowGroups =
            [
                new RowGroup
                {
                    NumRows = 1L << 40, TotalByteSize = 123,
                    Columns = [new ColumnChunk { FileOffset = 4, MetaData = new ColumnMetaData { Type = PhysicalType.Int64, PathInSchema = ["ts"], Codec = CompressionCodec.Zstd, Encodings = Enumerable.Repeat(ParquetEncoding.Plain, 20).ToList(), NumValues = -5, DataPageOffset = 4, Statistics = new Statistics { NullCount = 3, MinValue = [1, 2], MaxValue = [] } } }],
                },
            ],
        };
        byte[] bytes = MetadataWriter.Write(metadata);
        var read = MetadataReader.ReadFileMetaData(new CompactReader(bytes, 0, bytes.Length));
        Assert.Equal(1L << 40, read.NumRows);
        Assert.Equal("test ü", read.CreatedBy);
        Assert.Equal(3, read.Schema.Count);
        Assert.Equal(new LogicalType(LogicalKind.Timestamp, IsAdjustedToUtc: true, Unit: TimeUnit.Nanos), read.Schema[1].LogicalType);
        Assert.Equal(new LogicalType(LogicalKind.Decimal, Scale: 2, Precision: 9), read.Schema[2].LogicalType);
        Assert.Equal(ConvertedType.Decimal, read.Schema[2].ConvertedType);
        var meta = read.RowGroups[0].Columns[0].MetaData!;
        Assert.Equal(20, meta.Encodings.Count); // a list longer than 14 uses the long list header
        Assert.Equal(-5, meta.NumValues);
        Assert.Equal(CompressionCodec.Zstd, meta.Codec);
        Assert.Equal(new byte[] { 1, 2 }, meta.Statistics!.MinValue);
        Assert.Equal(3, meta.Statistics.NullCount);
    }

    [Fact]
    public void UnknownFields_OfEveryType_AreSkipped()
    {
        // Fields a newer writer might add: list<struct>, map, set<bool>, bool, i64, with long-form and delta ids.
        byte[] manual =
        [
            0x15, 0x0E,                         // field 1 i32 = 7 (zigzag 14)
            0x09, 0xC8, 0x01,                   // field 100 (long form) type list
            0x2C,                               // list: 2 structs
            0x17, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x21, 0x00, // {1: double 1.0, 2: bool true}
            0x00,                               // second struct: empty
            0x0B, 0xCA, 0x01,                   // field 101 map
            0x01, 0x86, 0x02, 0x61, 0x02,       // 1 entry, binary→i64: "a" → 1
            0x0A, 0xCC, 0x01,                   // field 102 set
            0x31, 0x01, 0x02, 0x01,             // set<bool> of 3
            0x01, 0xCE, 0x01,                   // field 103 bool true
            0x16, 0x04,                         // field 104 (delta form) i64 = 2
            0x00,
        ];
        var r = new CompactReader(manual, 0, manual.Length);
        r.BeginStruct();
        var seen = new List<short>();
        while (r.NextField(out short id, out var type))
        {
            seen.Add(id);
            if (id == 1) Assert.Equal(7, r.ReadI32());
            else r.Skip(type);
        }
        r.EndStruct();
        Assert.Equal(new short[] { 1, 100, 101, 102, 103, 104 }, seen);
        Assert.Equal(manual.Length, r.Position);
    }

    [Fact]
    public void TruncatedOrLyingInput_RaisesInvalidData_NotCrash()
    {
        byte[] lyingString = [0x18, 0xFF, 0xFF, 0xFF, 0x0F]; // field 1 binary of ~4 GB
        Assert.Throws<InvalidDataException>(() => MetadataReader.ReadFileMetaData(new CompactReader(lyingString, 0, lyingString.Length)));
        byte[] lyingList = [0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0x07]; // field 1 list of 2^31 structs
        Assert.Throws<InvalidDataException>(() => MetadataReader.ReadFileMetaData(new CompactReader(lyingList, 0, lyingList.Length)));
        byte[] deep = Enumerable.Repeat((byte)0x1C, 1000).ToArray(); // struct in struct in struct...
        Assert.Throws<InvalidDataException>(() => MetadataReader.ReadFileMetaData(new CompactReader(deep, 0, deep.Length)));
        byte[] cut = [0x15];
        Assert.Throws<InvalidDataException>(() => MetadataReader.ReadFileMetaData(new CompactReader(cut, 0, cut.Length)));
    }
}
