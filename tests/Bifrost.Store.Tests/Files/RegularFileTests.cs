using Bifrost.Store.Files;

namespace Bifrost.Store.Tests.Files;

/// <summary>The check of a streamed input: a regular file (or a link to one, relative or not) passes; a pipe, a device
/// or a link to one, an empty file, a directory and a missing path are refused without being opened.</summary>
public sealed class RegularFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bifrost-regular-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ARegularFile_OrALinkToOne_Passes()
    {
        var path = Path.Combine(_dir, "shard-0-of-2.json");
        File.WriteAllText(path, "{}");
        File.CreateSymbolicLink(Path.Combine(_dir, "relative.json"), "shard-0-of-2.json");
        File.CreateSymbolicLink(Path.Combine(_dir, "absolute.json"), path);
        Assert.Null(RegularFile.Problem(path));
        Assert.Null(RegularFile.Problem(Path.Combine(_dir, "relative.json")));
        Assert.Null(RegularFile.Problem(Path.Combine(_dir, "absolute.json")));
    }

    [Theory]
    [InlineData("fifo", "not a regular file")]
    [InlineData("/dev/zero", "not a regular file")]
    [InlineData("link", "not a regular file")]
    [InlineData("empty", "is empty")]
    [InlineData("dir", "is a directory")]
    [InlineData("missing", "does not exist")]
    [InlineData("dangling", "does not exist")]
    public void APipeADeviceAnEmptyFileADirectoryOrNothing_IsRefused(string kind, string reason)
    {
        var path = kind == "/dev/zero" ? kind : Path.Combine(_dir, kind);
        switch (kind)
        {
            case "fifo":
                using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", path)!) mkfifo.WaitForExit();
                break;
            case "link": File.CreateSymbolicLink(path, "/dev/zero"); break;
            case "empty": File.WriteAllBytes(path, []); break;
            case "dir": Directory.CreateDirectory(path); break;
            case "dangling": File.CreateSymbolicLink(path, Path.Combine(_dir, "gone")); break;
        }
        Assert.Contains(reason, RegularFile.Problem(path));
    }
}
