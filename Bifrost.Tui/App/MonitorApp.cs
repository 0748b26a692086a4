using System.Runtime.InteropServices;
using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Views;

namespace Bifrost.Tui.App;

/// <summary>Options of the interactive monitor.</summary>
internal sealed record MonitorOptions(string StorePath, double RefreshHz, TimeSpan SilentAfter, bool Color, TimeZoneInfo Zone);

/// <summary>
/// The interactive loop: every tick (or at once after a key or a resize) read the store, build the view model,
/// render and draw the changed lines; keys go through <see cref="KeyMap"/> and <see cref="UiUpdate"/>, effects are
/// performed here. Survives a missing/locked store (shown red, retried each tick) and an absent daemon.
/// </summary>
internal static class MonitorApp
{
    public static int Run(MonitorOptions options)
    {
        if (Console.IsInputRedirected || Console.IsOutputRedirected)
        {
            Console.Error.WriteLine("bifrost-tui: the monitor needs a terminal; for scripts use `bifrost-tui status --json` or `bifrost-tui ops`.");
            return 64;
        }

        var settings = new MonitorSettings(options.StorePath, options.SilentAfter, options.Zone);
        var period = TimeSpan.FromSeconds(1 / Math.Clamp(options.RefreshHz, 0.1, 30));
        using var wake = new AutoResetEvent(false);
        var quit = false;
        void Stop(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            quit = true;
            wake.Set();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var winch = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => wake.Set());

        Console.TreatControlCAsInput = true;
        using var source = new StoreSource(options.StorePath);
        using var sender = new ControlSender(options.StorePath, ControlSender.DefaultRequester());
        var renderer = new FrameRenderer(options.Color);
        var keys = new KeyboardLoop(wake);
        using var screen = TerminalScreen.Enter();

        var state = new UiState();
        while (!quit)
        {
            var vp = TerminalScreen.CurrentSize();
            var now = UnixNanos.Now();
            var vm = MonitorBuilder.Build(source.Load(state, vp, now), state, settings, now, vp);
            screen.Draw(renderer.Render(vm, state, vp), vp);

            var changed = false;
            var deadline = DateTime.UtcNow + period;
            while (!quit && !changed)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) break;
                wake.WaitOne(left);
                if (keys.Closed) quit = true;
                while (keys.TryRead(out var key))
                {
                    if (KeyMap.Map(key, state) is not { } action) continue;
                    (state, var effects) = UiUpdate.Update(state, action, vm);
                    changed = true;
                    foreach (var effect in effects)
                    {
                        switch (effect)
                        {
                            case UiEffect.Quit:
                                quit = true;
                                break;
                            case UiEffect.EnqueueControl enqueue:
                                (state, _) = UiUpdate.Update(state, sender.Send(enqueue.Kind), vm);
                                break;
                        }
                    }
                }
                if (TerminalScreen.CurrentSize() != vp) changed = true;
            }
        }
        return 0;
    }
}
