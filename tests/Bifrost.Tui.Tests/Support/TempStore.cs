using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Tui.Tests.Support;

/// <summary>A store file in its own temp directory, filled through the real <see cref="StoreWriter"/>; deleted on dispose.</summary>
internal sealed class TempStore : IDisposable
{
    private TempStore(string dir)
    {
        Directory = dir;
        Path = System.IO.Path.Combine(dir, "bifrost.db");
    }

    public string Directory { get; }

    public string Path { get; }

    public static TempStore Empty() =>
        new(System.IO.Directory.CreateTempSubdirectory("bifrost-tui-").FullName);

    /// <summary>A store with the <see cref="Sample"/> data written at <paramref name="nowNanos"/>.</summary>
    public static TempStore WithSample(long nowNanos, Action<StatusSnapshot, StoreWriter>? more = null, Func<StatusSnapshot, StatusSnapshot>? status = null)
    {
        var store = Empty();
        store.Write(w =>
        {
            var s = status is null ? Sample.Status(nowNanos) : status(Sample.Status(nowNanos));
            Sample.Fill(w, nowNanos, s);
            more?.Invoke(s, w);
        });
        return store;
    }

    public void Write(Action<StoreWriter> write)
    {
        using var writer = StoreWriter.Open(Path);
        write(writer);
        writer.FlushAsync().GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
