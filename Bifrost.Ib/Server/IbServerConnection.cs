using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Server;

/// <summary>
/// The server side of one TWS API session: does the handshake (reference §2), then decodes client requests into typed
/// records and encodes server messages, each in a single write. It has no behaviour of its own — what to answer is the
/// gateway's business — so the replay gateway only implements behaviour. Reads from one task; sends from any thread.
/// Only server version 193 is spoken: a client whose offer does not reach 193 is dropped without a reply.
/// </summary>
public sealed class IbServerConnection : IAsyncDisposable
{
    private const int MaxVersionOfferBytes = 256;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly IbFrameReader _frames;
    private readonly IbFieldWriter _writer = new(IbTextPolicy.ServerEscaped);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private int _closed;

    private IbServerConnection(Socket socket, NetworkStream stream, IbFrameReader frames, int serverVersion,
        string connectOptions, IbStartApi startApi)
    {
        _socket = socket;
        _stream = stream;
        _frames = frames;
        ServerVersion = serverVersion;
        ConnectOptions = connectOptions;
        ClientId = startApi.ClientId;
        OptionalCapabilities = startApi.OptionalCapabilities;
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    public int ServerVersion { get; }
    public int ClientId { get; }
    public string ConnectOptions { get; }
    public string OptionalCapabilities { get; }
    public EndPoint? RemoteEndPoint { get; }
    public bool IsOpen => Volatile.Read(ref _closed) == 0;

    /// <summary>
    /// Performs the server handshake on an accepted socket: reads <c>API\0</c> + the version offer, replies
    /// <c>[193, connectionTime]</c>, then waits for startApi. Returns null (socket closed) when the client is not speaking
    /// the protocol, offers no usable version, or times out; the socket is then owned and closed by this method.
    /// </summary>
    public static async Task<IbServerConnection?> AcceptAsync(Socket socket, IbServerOptions? options = null, CancellationToken ct = default)
    {
        options ??= new IbServerOptions();
        socket.NoDelay = true;
        var stream = new NetworkStream(socket, ownsSocket: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.HandshakeTimeout);
        try
        {
            var head = new byte[8];
            await stream.ReadExactlyAsync(head, timeout.Token).ConfigureAwait(false);
            if (!head.AsSpan(0, 4).SequenceEqual(IbHandshake.Prefix)) return Drop(stream);
            int length = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(4));
            if (length <= 0 || length > MaxVersionOfferBytes) return Drop(stream);
            var offer = new byte[length];
            await stream.ReadExactlyAsync(offer, timeout.Token).ConfigureAwait(false);
            if (!IbHandshake.TryParseVersionOffer(Encoding.ASCII.GetString(offer), out int min, out int max, out string opts))
                return Drop(stream);
            // We only speak 193; anything that negotiates lower is refused the way TWS refuses: by closing.
            if (IbHandshake.NegotiateVersion(min, max, IbProtocol.ServerVersion) != IbProtocol.ServerVersion) return Drop(stream);

            var writer = new IbFieldWriter(IbTextPolicy.ServerEscaped);
            new IbServerHello(IbProtocol.ServerVersion, options.ConnectionTime()).Encode(writer.Begin());
            await stream.WriteAsync(writer.Frame, timeout.Token).ConfigureAwait(false);

            var frames = new IbFrameReader(stream, options.MaxFrameBytes);
            var first = await frames.ReadFrameAsync(timeout.Token).ConfigureAwait(false);
            if (first is null || IbRequestDecoder.Decode(first.Value.Span) is not IbStartApi start) return Drop(stream);
            return new IbServerConnection(socket, stream, frames, IbProtocol.ServerVersion, opts, start);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or IbProtocolException
                                       or ObjectDisposedException)
        {
            return Drop(stream);
        }
    }

    /// <summary>
    /// The next client request; null when the client closed the socket. A frame that cannot be decoded comes back as
    /// <see cref="IbMalformedRequest"/> (answer 320/321 and carry on); an unknown id as <see cref="IbUnknownRequest"/>.
    /// Throws <see cref="IbProtocolException"/> only when the framing itself is broken (absurd length, truncated stream),
    /// after which the connection is closed.
    /// </summary>
    public async ValueTask<IIbRequest?> ReadRequestAsync(CancellationToken ct = default)
    {
        ReadOnlyMemory<byte>? frame;
        try
        {
            frame = await _frames.ReadFrameAsync(ct).ConfigureAwait(false);
        }
        catch (IbProtocolException)
        {
            await CloseAsync().ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            await CloseAsync().ConfigureAwait(false);
            return null;
        }
        if (frame is null) return null;
        try
        {
            return IbRequestDecoder.Decode(frame.Value.Span);
        }
        catch (IbProtocolException ex)
        {
            var fields = IbFraming.Fields(frame.Value.Span);
            int id = fields.Length > 0 && int.TryParse(fields[0], out int parsed) ? parsed : -1;
            return new IbMalformedRequest(id, ex.Message, fields);
        }
    }

    /// <summary>Encodes and writes one server message as a single write. Throws IOException when the client is gone.</summary>
    public async ValueTask SendAsync<T>(T message, CancellationToken ct = default) where T : IIbServerMessage
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            message.Encode(_writer.Begin());
            await _stream.WriteAsync(_writer.Frame, ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes pre-framed bytes unchanged (recorded sessions, fault injection of malformed frames).</summary>
    public async ValueTask SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct = default)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(bytes, ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends error <paramref name="code"/> for <paramref name="id"/> (−1 for the connection) — a shorthand gateways need often.</summary>
    public ValueTask SendErrorAsync(int id, int code, string message, CancellationToken ct = default) =>
        SendAsync(new IbError(id, code, message), ct);

    public ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1) return ValueTask.CompletedTask;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // already gone
        }
        _stream.Dispose();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _writeLock.Dispose();
    }

    private static IbServerConnection? Drop(NetworkStream stream)
    {
        stream.Dispose();
        return null;
    }
}
