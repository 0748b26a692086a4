using Bifrost.Store.Files;
using Bifrost.Daemon.PortfolioRuns;
using Bifrost.Domain.Trading;

namespace Bifrost.Daemon.Tests.PortfolioRuns;

/// <summary>The signals directory's watch on real files: the newest file is reported once per change, files being
/// written (hidden) and other extensions are ignored, an empty directory is quiet, a directory problem is said once.</summary>
public sealed class SignalsWatcherTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-signals-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (string Name, string Text) Arrived(EventPayload? e)
    {
        var a = Assert.IsType<EventPayload.PortfolioSignalsArrived>(e);
        Assert.True(a.file.IsOk, a.file.IsError ? a.file.ErrorValue : "");
        return (a.file.ResultValue.Item1, a.file.ResultValue.Item2);
    }

    private void Write(string name, string text, DateTime writtenUtc)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, writtenUtc);
    }

    // A named pipe blocked the open until a writer came: the watch runs on the engine's clock, which stopped (DAEMON
    // SILENT); a device reports length 0 and read forever (4 GB). Both are refused within the read's time-out.
    [Fact]
    public void APipeNamedLikeSignals_IsRefusedWithinTheTimeout_TheClockGoesOn()
    {
        var fifo = Path.Combine(_dir, "zz.csv");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo)) mk.WaitForExit();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.IsType<EventPayload.PortfolioSignalsArrived>(new SignalsWatcher(_dir).Poll());
        Assert.True(started.Elapsed < BoundedFile.Timeout + TimeSpan.FromSeconds(3), $"returned after {started.Elapsed}");
        Assert.True(e.file.IsError);
        Assert.Contains("not a regular file", e.file.ErrorValue);
        using (var w = new FileStream(fifo, FileMode.Open, FileAccess.Write)) { } // frees the blocked reader
    }

    // A signals file deleted between the directory listing and its stat (a producer replacing the only file by delete
    // and write, an operator clearing the directory) came back as the newest with no size: its Length threw
    // FileNotFoundException out of the watch, the clock's ticker ended and the daemon crashed (exit 1) mid-session.
    // The race is microseconds wide, so it is run for a few seconds against a producer that writes and deletes.
    [Fact]
    public void AFileDeletedWhileTheWatchLooks_NeverThrows_TheClockGoesOn()
    {
        var path = Path.Combine(_dir, "signals.csv");
        var stop = false;
        var producer = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                File.WriteAllText(path, "symbol,action,score,confidence,time\n");
                File.Delete(path);
            }
        });
        producer.Start();
        try
        {
            var w = new SignalsWatcher(_dir);
            var polls = 0;
            for (var watch = System.Diagnostics.Stopwatch.StartNew(); watch.Elapsed < TimeSpan.FromSeconds(4); polls++)
            {
                w.Poll();
                w.Forget(); // look afresh every time: every listing meets the race
            }
            Assert.True(polls > 1000, $"only {polls} polls");
        }
        finally
        {
            Volatile.Write(ref stop, true);
            producer.Join();
        }
    }

    [Fact]
    public void ADevice_IsReadNoFurtherThanTheSizeLimit_AndRefused()
    {
        var (text, error) = SignalsFile.Read("/dev/zero");
        Assert.Null(text);
        Assert.Contains($"more than {PortfolioRunArgs.MaxSignalsBytes} bytes", error);
    }

    [Fact]
    public void NewestFile_ReportedOncePerChange_HiddenAndOtherFilesIgnored()
    {
        var w = new SignalsWatcher(_dir);
        Assert.Null(w.Poll()); // empty: quiet
        var t = DateTime.UtcNow.AddMinutes(-10);
        Write("monday.csv", "symbol,action\nAAA,buy\n", t);
        Assert.Equal(("monday.csv", "symbol,action\nAAA,buy\n"), Arrived(w.Poll()));
        Assert.Null(w.Poll()); // unchanged: nothing
        Write(".tuesday.csv.tmp", "half written", t.AddMinutes(5));
        Write("notes.txt", "not signals", t.AddMinutes(6));
        Assert.Null(w.Poll());
        Write("tuesday.json", "[]", t.AddMinutes(7));
        Assert.Equal("tuesday.json", Arrived(w.Poll()).Name);
        Write("tuesday.json", "[ ]", t.AddMinutes(8)); // rewritten in place
        Assert.Equal("[ ]", Arrived(w.Poll()).Text);
        w.Forget(); // the report was not delivered: said again
        Assert.Equal("tuesday.json", Arrived(w.Poll()).Name);
    }

    // A producer writing straight into signals_dir: a slot built from the rows flushed so far traded a partial
    // portfolio (the missing symbols silently held). A file modified under Settle ago fails the slot, naming it; it is
    // not passed over for the older file either.
    [Fact]
    public void SlotBuild_NewestFileStillBeingWritten_IsRefusedNamingIt_NotAnOlderFile()
    {
        var now = DateTime.UtcNow;
        Write("monday.csv", "symbol,action\nAAA,buy\nBBB,buy\n", now.AddHours(-1));
        Write("tuesday.csv", "symbol,action\nAAA,sell\n", now.AddSeconds(-0.5)); // rows still coming
        var load = SignalsDirectory.Newest("slot1", _dir, now);
        Assert.Equal("slot1", load.SlotId);
        Assert.True(load.File.IsError, load.File.IsOk ? load.File.ResultValue.Item1 : "");
        Assert.Contains("'tuesday.csv' is still being written", load.File.ErrorValue);
        Assert.Contains("renames it into signals_dir", load.File.ErrorValue);
        // Left alone past Settle, the same file is the slot's.
        var later = SignalsDirectory.Newest("slot1", _dir, now.AddSeconds(2));
        Assert.True(later.File.IsOk, later.File.IsError ? later.File.ErrorValue : "");
        Assert.Equal(("tuesday.csv", "symbol,action\nAAA,sell\n"), (later.File.ResultValue.Item1, later.File.ResultValue.Item2));
    }

    [Fact]
    public void MissingDirectory_SaidOnce_AsAnError()
    {
        var w = new SignalsWatcher(Path.Combine(_dir, "nope"));
        var a = Assert.IsType<EventPayload.PortfolioSignalsArrived>(w.Poll());
        Assert.True(a.file.IsError);
        Assert.Contains("does not exist", a.file.ErrorValue);
        Assert.Null(w.Poll());
    }

    [Fact]
    public void OversizedFile_ReportedAsAnError_NamingTheFile()
    {
        Write("huge.csv", new string('x', (int)PortfolioRunArgs.MaxSignalsBytes + 1), DateTime.UtcNow);
        var a = Assert.IsType<EventPayload.PortfolioSignalsArrived>(new SignalsWatcher(_dir).Poll());
        Assert.True(a.file.IsError);
        Assert.Contains("huge.csv", a.file.ErrorValue);
    }
}
