using Bifrost.Store.Writer;

namespace Bifrost.Store.Tests.Support;

/// <summary>A fresh directory per test with a store path in it; deleted afterwards.</summary>
internal sealed class TempStore : IDisposable
{
    public TempStore()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bifrost-store-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "bifrost.db");
    }

    public string Directory { get; }

    public string Path { get; }

    /// <summary>Small retry delays and busy timeout so failure tests run fast.</summary>
    public static StoreWriterOptions FastOptions => new()
    {
        BusyTimeout = TimeSpan.FromMilliseconds(50),
        MinRetryDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    public StoreWriter OpenWriter(StoreWriterOptions? options = null) => StoreWriter.Open(Path, options);

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
