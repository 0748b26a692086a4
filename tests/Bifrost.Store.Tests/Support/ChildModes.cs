using Bifrost.Store.Locking;
using Bifrost.Store.Records;
using Bifrost.Store.Writer;

namespace Bifrost.Store.Tests.Support;

/// <summary>What the child process does; it reports progress on stdout, one line per fact, and never exits by itself.</summary>
internal static class ChildModes
{
    /// <summary>
    /// Writes operations through the real StoreWriter in rounds; after each FlushAsync prints "recorded N" (N = total
    /// so far, operations numbered 1..N in detail). Keeps going until killed, so the kill lands mid-write.
    /// </summary>
    public static int WriteUntilKilled(string path)
    {
        using var writer = StoreWriter.Open(path);
        var n = 0;
        while (true)
        {
            for (var i = 0; i < 500; i++)
            {
                n++;
                while (!writer.Record(new OperationRecord(UnixNanos.Now(), OperationKind.Intent, "child", Detail: n.ToString())))
                    Thread.Sleep(1);
            }
            writer.FlushAsync().GetAwaiter().GetResult();
            Console.Out.WriteLine($"recorded {n}");
            Console.Out.Flush();
        }
    }

    public static int HoldLockUntilKilled(string path)
    {
        using var held = InstanceLock.Acquire(path);
        Console.Out.WriteLine($"locked {Environment.ProcessId}");
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }
}
