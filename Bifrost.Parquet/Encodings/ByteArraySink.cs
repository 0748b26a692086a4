namespace Bifrost.Parquet.Encodings;

/// <summary>Receives one BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY value; the span is only valid during the call.</summary>
internal delegate void ByteArraySink(ReadOnlySpan<byte> value);
