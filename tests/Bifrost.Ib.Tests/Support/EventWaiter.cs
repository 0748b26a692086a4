using Bifrost.Ib.Client;
using Bifrost.Ib.Messages;

namespace Bifrost.Ib.Tests.Support;

/// <summary>Reads an <see cref="IbEventChannel"/> until a wanted event arrives, with a timeout so no test can hang.</summary>
public static class EventWaiter
{
    public static async Task<T> Next<T>(this IbEventChannel events, Func<T, bool>? where = null, int timeoutMs = 5000)
        where T : IIbEvent
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        await foreach (var e in events.Reader.ReadAllAsync(cts.Token))
        {
            if (e is T t && (where is null || where(t))) return t;
        }
        throw new InvalidOperationException($"channel completed before a {typeof(T).Name} arrived");
    }
}
