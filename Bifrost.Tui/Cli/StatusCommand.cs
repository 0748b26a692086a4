using System.Text.Json;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Views;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Cli;

/// <summary>
/// `bifrost-tui status [--json]`: the dashboard's data once, for scripts and tests. Exit code follows the light:
/// 0 green, 1 yellow, 2 red (blocked, daemon silent, store unavailable or no status yet).
/// </summary>
internal static class StatusCommand
{
    public static int Run(Arguments args, TextWriter stdout, long nowNanos)
    {
        var settings = new MonitorSettings(args.StorePath, TimeSpan.FromSeconds(args.Number("--silent-after", MonitorSettings.DefaultSilentAfter.TotalSeconds, 0.1, 86_400)), args.Zone);
        var state = new UiState();
        using var source = new StoreSource(settings.StorePath);
        var data = source.Load(state, Viewport.Standard, nowNanos);
        var vm = MonitorBuilder.Build(data, state, settings, nowNanos, Viewport.Standard);

        if (args.Has("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(Reports.Status(vm, data.Status, nowNanos), Reports.Json));
        }
        else
        {
            var width = 100;
            var vp = new Viewport(width, 24);
            var body = data.Status is null
                ? (IRenderable)Views.Line.Of(width, vm.Header.Light.Detail ?? "")
                : DashboardView.Render(vm.Dashboard, vp with { Height = 18 });
            var lines = new FrameRenderer(color: false).Render(new Rows(HeaderView.Render(vm.Header, width), new Text(" "), body), vp);
            foreach (var line in TrimBottom(lines)) stdout.WriteLine(line.TrimEnd());
        }
        return vm.Header.Light.Color switch
        {
            LightColor.Green => 0,
            LightColor.Yellow => 1,
            _ => 2,
        };
    }

    private static IEnumerable<string> TrimBottom(string[] lines)
    {
        var last = Array.FindLastIndex(lines, l => l.Trim().Length > 0);
        return lines.Take(last + 1);
    }
}
