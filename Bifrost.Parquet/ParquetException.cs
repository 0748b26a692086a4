namespace Bifrost.Parquet;

/// <summary>Base of every error this library raises on purpose; anything else escaping is a bug.</summary>
public class ParquetException : Exception
{
    public ParquetException(string message) : base(message) { }
    public ParquetException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The file is not valid Parquet, is damaged, or uses a feature this reader does not implement.
/// The message names the file and what is wrong.</summary>
public sealed class ParquetFormatException : ParquetException
{
    public ParquetFormatException(string message) : base(message) { }
    public ParquetFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A caller asked for something the file does not have (unknown column, wrong type).</summary>
public sealed class ParquetSchemaMismatchException : ParquetException
{
    public ParquetSchemaMismatchException(string message) : base(message) { }
}
