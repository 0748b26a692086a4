using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Views;

namespace Bifrost.Tui.Tests.Support;

/// <summary>One frame as the monitor would build and draw it, from a store path, without a terminal.</summary>
internal static class Frames
{
    public static readonly long Now = UnixNanos.FromDateTimeOffset(new DateTimeOffset(2026, 3, 2, 15, 30, 0, TimeSpan.Zero));

    public static MonitorSettings Settings(string path, double silentAfterSeconds = 10) =>
        new(path, TimeSpan.FromSeconds(silentAfterSeconds), TimeZoneInfo.Utc);

    public static MonitorViewModel Build(string path, UiState state, long? now = null, Viewport? viewport = null, double silentAfterSeconds = 10)
    {
        using var source = new StoreSource(path);
        var vp = viewport ?? Viewport.Standard;
        var t = now ?? Now;
        return MonitorBuilder.Build(source.Load(state, vp, t), state, Settings(path, silentAfterSeconds), t, vp);
    }

    public static string[] Render(string path, UiState state, bool color = false, Viewport? viewport = null, long? now = null)
    {
        var vp = viewport ?? Viewport.Standard;
        var vm = Build(path, state, now, vp);
        return new FrameRenderer(color).Render(vm, state, vp);
    }

    public static string Text(string[] lines) => string.Join("\n", lines);
}
