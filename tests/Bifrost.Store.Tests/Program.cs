using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests;

/// <summary>
/// Entry point used only when a test spawns this assembly as a child process (`dotnet exec Bifrost.Store.Tests.dll …`):
/// a real, separate process that can be killed with SIGKILL. Under the test runner this Main is not called.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => args switch
    {
        ["child-write", var path] => ChildModes.WriteUntilKilled(path),
        ["child-lock", var path] => ChildModes.HoldLockUntilKilled(path),
        _ => 64,
    };
}
