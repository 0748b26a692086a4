using System.Runtime.InteropServices;
using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Views;
using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace Bifrost.Tui.App;

/// <summary>Options of the interactive console.</summary>
internal sealed record MonitorOptions(string StorePath, double RefreshHz, TimeSpan SilentAfter, bool Color, TimeZoneInfo Zone, string? ConfigPath = null);

/// <summary>
/// The operator console on Terminal.Gui: Terminal.Gui owns the terminal (driver, input, resize, main loop, dialogs);
/// each tick reads the store only when it changed (PRAGMA data_version), builds the view model and lays the frame out;
/// the canvas redraws only when the frame's text changed. Keys go through <see cref="KeyMap"/> and <see cref="UiUpdate"/>
/// (pure, tested); effects are performed here. Esc never quits; q asks first; Ctrl+C and SIGTERM/SIGHUP quit.
/// </summary>
internal static class MonitorApp
{
    /// <summary>Records the OS user and the wall time on the alert; the outcome comes back in words, never as an exception.</summary>
    public static UiAction Acknowledge(string storePath, long alertId)
    {
        try
        {
            var outcome = Bifrost.Store.Control.AlertAcknowledgement.Acknowledge(storePath, alertId, Environment.UserName, UnixNanos.Now(),
                new Bifrost.Store.StoreOptions { BusyTimeout = TimeSpan.FromSeconds(2) });
            return new UiAction.AlertAcknowledged(outcome switch
            {
                Bifrost.Store.Control.AcknowledgeOutcome.Acknowledged => $"alert #{alertId} acknowledged by {Environment.UserName}",
                Bifrost.Store.Control.AcknowledgeOutcome.AlreadyAcknowledged => $"alert #{alertId} was already acknowledged",
                _ => $"alert #{alertId} not found",
            });
        }
        catch (Exception e) when (e is Bifrost.Store.StoreUnavailableException or Bifrost.Store.StoreSchemaException or Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            return new UiAction.AlertAcknowledged($"alert #{alertId} NOT acknowledged: {StoreSource.Reason(e)}");
        }
    }


    public static int Run(MonitorOptions options)
    {
        if (Console.IsInputRedirected || Console.IsOutputRedirected)
        {
            Console.Error.WriteLine("bifrost-tui: the console needs a terminal; for scripts use `bifrost-tui status --json`, `ops`, `runs`, `alerts`, `stats`.");
            return 2;
        }

        // A trading console must not close on a stray Esc: remove the default quit binding before the app exists.
        Application.RemoveDefaultKeyBinding(Command.Quit);
        // Ten main-loop iterations a second: a key waits at most 100 ms, and an idle console wakes 10 times a second
        // instead of 25 (with QuietInput, the rest of the idle cost). BIFROST_TUI_DRIVER=stock runs Terminal.Gui's own
        // input and loop rate, for the side-by-side measurement in the README.
        var stock = Environment.GetEnvironmentVariable("BIFROST_TUI_DRIVER") == "stock";
        if (!stock) Application.MaximumIterationsPerSecond = 10;
        // SIGHUP (SSH dropped, tmux pane or server killed) ends the console whatever the input driver: Terminal.Gui's
        // stock input does not notice a vanished terminal, and an orphaned console spins its main loop for good.
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => Environment.Exit(QuietInput.TerminalGoneExitCode));
        using var app = QuietApplication.Create(stock);
        // The light's colours are the 16 every terminal has; 24-bit colour adds nothing to its meaning.
        app.Driver!.Force16Colors = true;

        var settings = new MonitorSettings(options.StorePath, options.SilentAfter, options.Zone);
        var period = TimeSpan.FromSeconds(1 / Math.Clamp(options.RefreshHz, 0.1, 30));
        using var source = new StoreSource(options.StorePath);
        using var sender = new ControlSender(options.StorePath, ControlSender.DefaultRequester());
        var renderer = new FrameRenderer(options.Color);
        var keyRenderer = new FrameRenderer(options.Color); // one per thread: the UI thread lays out keys' frames itself
        var canvas = new CellCanvas(options.Color) { X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill() };
        using var window = new Runnable { Width = Dim.Fill(), Height = Dim.Fill() };
        window.Add(canvas);

        var state = new UiState();
        MonitorViewModel? vm = null;
        StoreData? data = null;
        long? version = null;
        // Changes of the UI state (keys, resize) so far, and the one the rows were read for: the next refresh reads the
        // rows the new screen needs.
        long changes = 0, readFor = -1;
        var refreshing = 0;

        var gate = new object();
        var size = new Viewport(80, 24);

        // Build + lay out from rows already read; never touches the store.
        string[] Lay(FrameRenderer r, StoreData rows)
        {
            var vp = size;
            var ui = state;
            var built = MonitorBuilder.Build(rows, ui, settings, UnixNanos.Now(), vp);
            vm = built;
            return r.Render(built, ui, vp);
        }

        // Read (when the store or the screen changed) + build + lay out, under the gate (the store source's). Returns the lines.
        string[] Read()
        {
            lock (gate)
            {
                var seen = Interlocked.Read(ref changes);
                var v = source.DataVersion();
                if (seen != readFor || data is null || v is null || v != version)
                {
                    data = source.Load(state, size, UnixNanos.Now());
                    version = v;
                    readFor = seen;
                }
                return Lay(renderer, data);
            }
        }

        // The refresh runs on a timer thread, not as a Terminal.Gui timeout (a timeout keeps its main loop busy): read,
        // build and lay out there, and hand the UI thread a frame only when its text changed and no key came since. One
        // at a time: a read slower than the period (the Runs screen of a year of orders) takes the ticks that came
        // meanwhile as one more pass, instead of a thread-pool thread per tick queued on the gate.
        using var refresh = new Timer(_ =>
        {
            if (vm is null || Interlocked.Increment(ref refreshing) != 1) return;
            do
            {
                Volatile.Write(ref refreshing, 1);
                var at = Interlocked.Read(ref changes);
                var lines = Read();
                app.Invoke(() =>
                {
                    if (Interlocked.Read(ref changes) == at && !lines.AsSpan().SequenceEqual(canvas.Lines.ToArray())) canvas.Show(lines);
                });
            }
            while (Interlocked.CompareExchange(ref refreshing, 0, 1) != 1);
        }, null, System.Threading.Timeout.InfiniteTimeSpan, period);

        // On the UI thread (keys, resize): at once from the rows already read, never waiting for a read (the Runs screen
        // of a year of orders takes seconds: every key waited for it, `1` back to the dashboard over 4 s); the timer reads
        // what the new frame needs right away.
        void Frame()
        {
            Interlocked.Increment(ref changes);
            canvas.Show(data is { } rows ? Lay(keyRenderer, rows) : Read());
            refresh.Change(TimeSpan.Zero, period);
        }

        void Quit() => app.RequestStop();

        app.Keyboard.KeyDown += (_, key) =>
        {
            // Keys belong to a dialog while one is open (the order ticket, the quit question).
            if (!ReferenceEquals(app.TopRunnableView, window) || vm is null) return;
            key.Handled = true;
            if (KeyTranslation.ToConsoleKey(key) is not { } k || KeyMap.Map(k, state) is not { } action) return;
            var isCtrlC = k.Key == ConsoleKey.C && (k.Modifiers & ConsoleModifiers.Control) != 0;
            (state, var effects) = UiUpdate.Update(state, action, vm);
            foreach (var effect in effects)
            {
                switch (effect)
                {
                    case UiEffect.Quit when isCtrlC:
                        Quit();
                        return;
                    case UiEffect.Quit:
                        if (MessageBox.Query(app, "Quit", "Quit the console? The daemon keeps running.", "_Yes", "_No") == 0) Quit();
                        break;
                    case UiEffect.AcknowledgeAlert ack:
                        (state, _) = UiUpdate.Update(state, Acknowledge(options.StorePath, ack.AlertId), vm);
                        break;
                    case UiEffect.SendRequest send:
                        (state, _) = UiUpdate.Update(state, sender.Send(send.Request, send.Form), vm);
                        break;
                    case UiEffect.EnqueueControl enqueue:
                        (state, _) = UiUpdate.Update(state, sender.Send(enqueue.Kind), vm);
                        break;
                }
            }
            Frame();
        };
        canvas.ViewportChanged += (_, _) =>
        {
            size = new Viewport(Math.Max(20, canvas.Viewport.Width), Math.Max(10, canvas.Viewport.Height));
            if (vm is not null) Frame();
        };

        void Signal(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            app.Invoke(Quit);
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Signal);
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Signal);

        window.Initialized += (_, _) =>
        {
            size = new Viewport(Math.Max(20, canvas.Viewport.Width), Math.Max(10, canvas.Viewport.Height));
            Frame();
        };
        app.Run(window);
        return 0;
    }
}
