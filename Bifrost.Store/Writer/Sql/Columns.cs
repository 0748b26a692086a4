using Bifrost.Store.Records;

namespace Bifrost.Store.Writer.Sql;

/// <summary>Value conversions shared by the statements (enums as words, sides nullable).</summary>
internal static class Columns
{
    public static string Text<T>(T value) where T : struct, Enum => EnumText<T>.ToText(value);

    public static string? Text<T>(T? value) where T : struct, Enum => value is { } v ? EnumText<T>.ToText(v) : null;
}
