using System.Buffers;
using System.Net.Sockets;
using Bifrost.Ib.Messages;

namespace Bifrost.Ib.Client;

/// <summary>
/// The dedicated sending thread of one session: a single consumer of a FIFO of encoded frames, writing each with a
/// synchronous <see cref="Socket.Send(ReadOnlySpan{byte})"/>. Callers (the engine) only encode into a pooled buffer and
/// enqueue, so the socket write and its thread-pool continuation leave their path; frames go out in enqueue order.
/// A failed write calls <c>failed</c> once (the client closes the session: a disconnect, never a silent loss) and drops
/// what is still queued. <see cref="Complete"/> writes what is queued and stops; <see cref="Abort"/> drops it.
/// </summary>
internal sealed class IbSendThread
{
    private readonly Socket _socket;
    private readonly Action<Exception, int> _failed;
    private readonly Action<IIbRequest>? _sent;
    private readonly IIbLog _log;
    private readonly object _gate = new(); // a monitor (Wait/Pulse), not a System.Threading.Lock
    private readonly Queue<Frame> _frames = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed; // no more frames accepted
    private bool _abort;  // drop what is queued
    private bool _waiting;

    private readonly record struct Frame(byte[] Buffer, int Length, IIbRequest Request);

    /// <param name="failed">Called on the sending thread when a write fails: the exception and the frames dropped with it.</param>
    /// <param name="sent">Diagnostics: called on the sending thread after each frame was written.</param>
    public IbSendThread(Socket socket, Action<Exception, int> failed, Action<IIbRequest>? sent, IIbLog log)
    {
        _socket = socket;
        _failed = failed;
        _sent = sent;
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = "ib-send" };
        _thread.Start();
    }

    /// <summary>Completes when the thread has ended.</summary>
    public Task Stopped => _stopped.Task;

    public bool IsAlive => _thread.IsAlive;

    /// <summary>Copies the frame into a pooled buffer and queues it; false once the sender is closed.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> frame, IIbRequest request)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(buffer);
        lock (_gate)
        {
            if (!_closed)
            {
                _frames.Enqueue(new Frame(buffer, frame.Length, request));
                if (_waiting) Monitor.Pulse(_gate);
                return true;
            }
        }
        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }

    /// <summary>Accepts no more frames; the thread writes those queued, then ends.</summary>
    public void Complete() => Close(abort: false);

    /// <summary>Accepts no more frames and drops those queued (the session is gone).</summary>
    public void Abort() => Close(abort: true);

    private void Close(bool abort)
    {
        lock (_gate)
        {
            _closed = true;
            _abort |= abort;
            Monitor.PulseAll(_gate);
        }
    }

    private void Run()
    {
        try
        {
            while (Next() is { } frame)
            {
                try
                {
                    var sent = 0;
                    while (sent < frame.Length) sent += _socket.Send(frame.Buffer.AsSpan(sent, frame.Length - sent), SocketFlags.None);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
                {
                    int dropped;
                    bool closing;
                    lock (_gate)
                    {
                        closing = _abort;
                        _closed = _abort = true;
                        dropped = DropQueued() + 1;
                    }
                    // A socket the client is already closing fails its writes by design; anything else ends the session.
                    if (!closing) _failed(ex, dropped);
                    return;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame.Buffer);
                }
                if (_sent is not null) Notify(frame.Request);
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    /// <summary>The next frame to write, waiting for one; null when closed (and drained, unless aborted).</summary>
    private Frame? Next()
    {
        lock (_gate)
        {
            while (true)
            {
                if (_abort)
                {
                    var dropped = DropQueued();
                    if (dropped > 0) _log.Log(IbLogLevel.Warning, $"session closed: {dropped} queued request(s) not sent");
                    return null;
                }
                if (_frames.TryDequeue(out var frame)) return frame;
                if (_closed) return null;
                _waiting = true;
                Monitor.Wait(_gate);
                _waiting = false;
            }
        }
    }

    private int DropQueued()
    {
        var n = _frames.Count;
        while (_frames.TryDequeue(out var f)) ArrayPool<byte>.Shared.Return(f.Buffer);
        return n;
    }

    private void Notify(IIbRequest request)
    {
        try
        {
            _sent!(request);
        }
        catch (Exception ex)
        {
            _log.Log(IbLogLevel.Error, $"sent callback threw on {request.GetType().Name}: {ex.Message}");
        }
    }
}
