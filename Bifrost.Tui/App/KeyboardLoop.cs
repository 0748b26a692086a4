using System.Collections.Concurrent;

namespace Bifrost.Tui.App;

/// <summary>
/// Reads keys on a background thread (Console.ReadKey blocks) and hands them to the UI loop, waking it at once.
/// </summary>
internal sealed class KeyboardLoop
{
    private readonly ConcurrentQueue<ConsoleKeyInfo> _keys = new();
    private readonly AutoResetEvent _wake;

    public KeyboardLoop(AutoResetEvent wake)
    {
        _wake = wake;
        var thread = new Thread(Run) { IsBackground = true, Name = "bifrost-tui keys" };
        thread.Start();
    }

    /// <summary>Set when the input ended (e.g. the terminal closed); the UI should exit.</summary>
    public bool Closed { get; private set; }

    public bool TryRead(out ConsoleKeyInfo key) => _keys.TryDequeue(out key);

    private void Run()
    {
        try
        {
            while (true)
            {
                _keys.Enqueue(Console.ReadKey(intercept: true));
                _wake.Set();
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            Closed = true;
            _wake.Set();
        }
    }
}
