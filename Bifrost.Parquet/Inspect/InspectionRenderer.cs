using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bifrost.Parquet.Inspect;

/// <summary>Text (for a terminal) and JSON (for scripts) views of an inspection.</summary>
public static class InspectionRenderer
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string ToJson(ParquetInspection inspection) => JsonSerializer.Serialize(inspection, JsonOptions);

    public static string ToText(ParquetInspection inspection)
    {
        var text = new StringBuilder();
        text.AppendLine($"file        {inspection.File}");
        text.AppendLine($"size        {inspection.FileSize:N0} bytes");
        text.AppendLine($"rows        {inspection.RowCount:N0} in {inspection.RowGroups.Count} row group(s)");
        text.AppendLine($"created by  {inspection.CreatedBy ?? "(unknown)"}");
        text.AppendLine();
        text.AppendLine("columns");
        var header = new[] { "name", "physical", "logical", "null?", "nulls", "min", "max", "sum" };
        var rows = inspection.Columns.Select(c => new[]
        {
            c.Name, c.PhysicalType, c.LogicalType, c.Optional ? "yes" : "no", c.NullCount.ToString("N0"),
            c.Unsupported is null ? c.Min ?? "" : "(" + c.Unsupported + ")", c.Max ?? "", c.Sum ?? "",
        }).ToList();
        AppendTable(text, header, rows);
        text.AppendLine();
        text.AppendLine("row groups");
        foreach (var g in inspection.RowGroups)
        {
            text.AppendLine($"  #{g.Index}: {g.RowCount:N0} rows, {g.CompressedBytes:N0} bytes compressed, {g.UncompressedBytes:N0} uncompressed");
            AppendTable(text, ["  column", "codec", "encodings", "compressed", "uncompressed"],
                g.Chunks.Select(c => new[] { "  " + c.Column, c.Codec, string.Join(",", c.Encodings), c.CompressedBytes.ToString("N0"), c.UncompressedBytes.ToString("N0") }).ToList());
        }
        return text.ToString();
    }

    private static void AppendTable(StringBuilder text, string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Min(40, rows.Select(r => r[i].Length).Append(h.Length).Max())).ToArray();
        void Line(string[] cells) => text.AppendLine("  " + string.Join("  ", cells.Select((c, i) => Clip(c, widths[i]).PadRight(widths[i]))).TrimEnd());
        Line(header);
        foreach (var row in rows) Line(row);
    }

    private static string Clip(string value, int width) => value.Length <= width ? value : value[..(width - 1)] + "…";
}
