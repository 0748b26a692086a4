using System.Runtime.InteropServices;
using Terminal.Gui.Drivers;

namespace Bifrost.Tui.App;

/// <summary>
/// Terminal.Gui's ANSI input, but its input thread sleeps in poll(2) on stdin until a key arrives (or a short timeout,
/// so shutdown stays prompt) instead of waking every 20 ms to look: an idle console then costs almost nothing.
/// </summary>
internal sealed partial class QuietInput : AnsiInput
{
    /// <summary>How long one poll may block; the input loop's cancellation is seen at least this often.</summary>
    public static readonly TimeSpan Block = TimeSpan.FromMilliseconds(250);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    private const short PollIn = 0x0001;
    private const short PollErr = 0x0008, PollHup = 0x0010, PollNval = 0x0020;

    /// <summary>Exit status when the terminal goes away (128 + SIGHUP, as a shell reports a hung-up program).</summary>
    public const int TerminalGoneExitCode = 129;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(ref PollFd fds, nuint nfds, int timeout);

    private bool _pollWorks = !OperatingSystem.IsWindows();

    public override bool Peek()
    {
        if (_pollWorks)
        {
            var fd = new PollFd { Fd = 0, Events = PollIn };
            try
            {
                poll(ref fd, 1, (int)Block.TotalMilliseconds);
                // The terminal is gone (SSH dropped, tmux pane killed): poll would return at once forever and the input
                // loop would spin a core. The console holds nothing to save (it only reads the store and writes
                // controls, each in its own transaction), so it leaves, as a hung-up program does.
                if ((fd.Revents & (PollHup | PollErr | PollNval)) != 0) Environment.Exit(TerminalGoneExitCode);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                _pollWorks = false; // fall back to Terminal.Gui's own polling
            }
        }
        return base.Peek();
    }
}
