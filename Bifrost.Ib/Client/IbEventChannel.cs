using System.Threading.Channels;
using Bifrost.Ib.Messages;

namespace Bifrost.Ib.Client;

/// <summary>
/// A handler that turns every event into an <see cref="IIbEvent"/> in a single-reader channel, for a consumer that runs
/// one event loop (<c>await foreach (var e in channel.Reader.ReadAllAsync())</c>). Tick structs are boxed on the way in;
/// a consumer that needs zero allocations per tick subclasses <see cref="IbEventHandler"/> instead. The channel is
/// unbounded because the reader loop must never block on a slow consumer while TWS keeps talking; the writer completes
/// after <see cref="IbDisconnected"/>.
/// </summary>
public sealed class IbEventChannel : IbEventHandler
{
    private readonly Channel<IIbEvent> _channel =
        Channel.CreateUnbounded<IIbEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public ChannelReader<IIbEvent> Reader => _channel.Reader;

    public override void OnOther(IIbEvent e)
    {
        _channel.Writer.TryWrite(e);
        if (e is IbDisconnected) _channel.Writer.TryComplete();
    }
}
