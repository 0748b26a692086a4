using System.Reflection;
using Terminal.Gui.App;
using Terminal.Gui.Drivers;

namespace Bifrost.Tui.App;

/// <summary>
/// A Terminal.Gui application on the ANSI driver with <see cref="QuietInput"/>. Terminal.Gui 2.5.0 accepts a custom
/// component factory only through ApplicationImpl's internal constructor (DriverRegistry names are matched against
/// the built-in drivers only), so it is called by reflection; if that constructor is not there (another Terminal.Gui
/// version), the stock application is used — slower when idle, never broken.
/// </summary>
internal static class QuietApplication
{
    /// <summary>True when the last <see cref="Create"/> got the quiet input (the budget report says which ran).</summary>
    public static bool Quiet { get; private set; }

    public static IApplication Create(bool stock = false)
    {
        Quiet = false;
        if (!stock && !OperatingSystem.IsWindows())
        {
            var impl = typeof(IApplication).Assembly.GetType("Terminal.Gui.App.ApplicationImpl");
            var ctor = impl?.GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, [typeof(IComponentFactory)]);
            if (ctor?.Invoke([new AnsiComponentFactory(new QuietInput())]) is IApplication app)
            {
                Quiet = true;
                app.Init();
                return app;
            }
        }
        var fallback = Application.Create();
        fallback.Init();
        return fallback;
    }
}
