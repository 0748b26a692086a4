using System.Text.Json;
using Bifrost.Parquet.Tests.Support;

namespace Bifrost.Parquet.Tests.CrossCheck;

/// <summary>Generates the DuckDB-written files once for all cross-check tests.</summary>
public sealed class DuckDbFilesFixture : IDisposable
{
    private readonly Lazy<JsonDocument> _expected;
    private readonly TempDirectory _directory = new();

    public DuckDbFilesFixture() => _expected = new(() =>
    {
        NodeTools.Run("generate.mjs", _directory.Path);
        return JsonDocument.Parse(File.ReadAllText(_directory.File("expected.json")));
    });

    /// <summary>The path of a generated file (generating them all on first use).</summary>
    public string Path(string file)
    {
        _ = _expected.Value;
        return _directory.File(file);
    }

    public JsonElement Expected(string file) =>
        _expected.Value.RootElement.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("file").GetString() == file).GetProperty("summary");

    public void Dispose()
    {
        if (_expected.IsValueCreated) _expected.Value.Dispose();
        _directory.Dispose();
    }
}
