using System.Buffers.Binary;
using Bifrost.Parquet.Format;
using Bifrost.Parquet.Thrift;
using Microsoft.Win32.SafeHandles;

namespace Bifrost.Parquet.Reading;

/// <summary>
/// Reads and checks the file layout: "PAR1" at both ends, the footer length before the trailing magic, then the
/// thrift FileMetaData. Everything the metadata says about positions and sizes is checked against the file length
/// here, once, so later reads cannot run past the file or allocate from bogus numbers.
/// </summary>
internal static class FooterReader
{
    private static ReadOnlySpan<byte> Magic => "PAR1"u8;
    private static ReadOnlySpan<byte> EncryptedMagic => "PARE"u8;

    public static FileMetaData Read(SafeFileHandle file, long fileLength, string name)
    {
        if (fileLength < 12) throw Error(name, $"is {fileLength} bytes long, too short for a Parquet file (at least 12 bytes)");
        Span<byte> head = stackalloc byte[4];
        Span<byte> tail = stackalloc byte[8];
        RandomAccess.Read(file, head, 0);
        RandomAccess.Read(file, tail, fileLength - 8);
        if (tail[4..].SequenceEqual(EncryptedMagic)) throw Error(name, "uses Parquet modular encryption, which is not supported");
        if (!head.SequenceEqual(Magic)) throw Error(name, "does not start with the Parquet magic \"PAR1\" (bad magic: not a Parquet file?)");
        if (!tail[4..].SequenceEqual(Magic)) throw Error(name, "does not end with the Parquet magic \"PAR1\" (truncated or still being written?)");
        uint footerLength = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        if (footerLength == 0 || footerLength > fileLength - 12) throw Error(name, $"has a footer length of {footerLength} bytes, impossible in a {fileLength}-byte file (truncated or corrupt footer)");
        var footer = new byte[footerLength];
        RandomAccess.Read(file, footer, fileLength - 8 - footerLength);
        FileMetaData metadata;
        try
        {
            metadata = MetadataReader.ReadFileMetaData(new CompactReader(footer, 0, footer.Length));
        }
        catch (InvalidDataException e)
        {
            throw Error(name, $"has a corrupt footer: {e.Message}", e);
        }
        Validate(metadata, fileLength, name);
        return metadata;
    }

    private static void Validate(FileMetaData metadata, long fileLength, string name)
    {
        if (metadata.Schema.Count == 0) throw Error(name, "has a footer without a schema (corrupt footer)");
        if (metadata.NumRows < 0) throw Error(name, $"claims {metadata.NumRows} rows");
        long total = 0;
        for (int g = 0; g < metadata.RowGroups.Count; g++)
        {
            var group = metadata.RowGroups[g];
            if (group.NumRows < 0 || group.NumRows > int.MaxValue) throw Error(name, $"row group {g} claims {group.NumRows} rows");
            total += group.NumRows;
            foreach (var chunk in group.Columns)
            {
                if (chunk.FilePath is not null) throw Error(name, $"row group {g} refers to column data in another file ({chunk.FilePath}), which is not supported");
                var meta = chunk.MetaData ?? throw Error(name, $"row group {g} has a column chunk without metadata");
                string column = string.Join('.', meta.PathInSchema);
                long start = ChunkStart(meta);
                // Compared without adding them: an offset near long.MaxValue plus the size wrapped negative and passed.
                if (start < 4 || meta.TotalCompressedSize < 0 || start > fileLength - 8 - meta.TotalCompressedSize)
                {
                    throw Error(name, $"row group {g}, column '{column}': chunk at offset {start} of {meta.TotalCompressedSize} bytes lies outside the {fileLength}-byte file (truncated or corrupt)");
                }
                if (meta.TotalCompressedSize > int.MaxValue) throw Error(name, $"row group {g}, column '{column}': chunk of {meta.TotalCompressedSize} bytes is too large");
            }
        }
        if (total != metadata.NumRows) throw Error(name, $"claims {metadata.NumRows} rows but its row groups hold {total}");
    }

    /// <summary>A chunk starts at its dictionary page when it has one; some writers put a bogus 0 there, so only an offset before the data page counts.</summary>
    public static long ChunkStart(ColumnMetaData meta) =>
        meta.DictionaryPageOffset is > 0 and var dictionary && dictionary < meta.DataPageOffset ? dictionary : meta.DataPageOffset;

    private static ParquetFormatException Error(string name, string what, Exception? inner = null) =>
        inner is null ? new($"{name} {what}") : new($"{name} {what}", inner);
}
