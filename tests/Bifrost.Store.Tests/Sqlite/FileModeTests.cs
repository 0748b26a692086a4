using Bifrost.Store.ReadModel;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.Sqlite;

public sealed class FileModeTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task NewStore_AndItsWalAndShmFiles_AreOwnerReadWriteOnly()
    {
        await using var writer = _store.OpenWriter();
        writer.Record(Sample.Op(1));
        await writer.FlushAsync();
        using var reader = StoreReader.Open(_store.Path);
        _ = reader.GetStatus();

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(_store.Path));
        Assert.True(File.Exists(_store.Path + "-wal"));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(_store.Path + "-wal"));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(_store.Path + "-shm"));
    }

    [Fact]
    public void ExistingWorldReadableStoreFile_IsTightenedOnOpen()
    {
        File.WriteAllBytes(_store.Path, []);
        File.SetUnixFileMode(_store.Path, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using (_store.OpenWriter()) { }

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(_store.Path));
    }
}
