using Bifrost.Store.Files;

namespace Bifrost.Store.Tests.Files;

/// <summary>The bounded read of an operator-named file: a good file is read whatever the thread pool is doing, a pipe or
/// a device is refused in bounded time, and nothing throws.</summary>
public sealed class BoundedFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-bounded-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>CI's sample backtest refused its own config: four runs in parallel on a 2-core machine, each waiting on a
    /// read queued on the pool behind the others' work. A sweep's parallel runs read their configs the same way.</summary>
    [Fact]
    public async Task ARegularFile_WhileTheThreadPoolIsStarved_IsReadNotRefused()
    {
        var path = Path.Combine(_dir, "backtest.json");
        File.WriteAllText(path, "{\"ok\": true}");
        using var release = new ManualResetEventSlim();
        var blockers = Enumerable.Range(0, ThreadPool.ThreadCount + 64)
            // On the pool's shared queue (not this thread's own), where the read would queue behind them.
            .Select(_ => Task.Factory.StartNew(() => release.Wait(), CancellationToken.None, TaskCreationOptions.PreferFairness, TaskScheduler.Default))
            .ToArray();
        try
        {
            // Read from a thread outside the pool, as a sweep's worker or the daemon's start-up does: the pool's
            // compensation for a blocked pool thread would otherwise hide the starvation.
            (string? Text, string? Error) read = default;
            var reader = new Thread(() => read = BoundedFile.Read(path, 1024));
            reader.Start();
            reader.Join();
            Assert.Null(read.Error);
            Assert.Equal("{\"ok\": true}", read.Text);
        }
        finally
        {
            release.Set();
            await Task.WhenAll(blockers);
        }
    }

    [Fact]
    public void ANamedPipeWithNoWriter_IsRefusedWithinTheTimeout()
    {
        var path = Path.Combine(_dir, "pipe.json");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", path)!) mk.WaitForExit();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (text, error) = BoundedFile.Read(path, 1024);
        Assert.Null(text);
        Assert.Contains("not a regular file", error);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"returned after {started.Elapsed}");
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("missing.json")]
    [InlineData("")]
    public void ADeviceAMissingFileOrNoPath_IsRefused_NeverThrows(string name)
    {
        var path = name.StartsWith('/') || name == "" ? name : Path.Combine(_dir, name);
        var (text, error) = BoundedFile.Read(path, 1024);
        Assert.Null(text);
        Assert.NotNull(error);
    }

    [Fact]
    public void AFileOverTheLimit_IsRefusedNamingTheLimit()
    {
        var path = Path.Combine(_dir, "big.json");
        File.WriteAllText(path, new string('x', 2048));
        var (text, error) = BoundedFile.Read(path, 1024);
        Assert.Null(text);
        Assert.Contains("more than 1024 bytes", error);
    }
}
