using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Views;

/// <summary>The whole frame: header (light), tab bar, the current screen (or help / a confirmation), footer keys.</summary>
internal static class ScreenView
{
    public static IRenderable Render(MonitorViewModel vm, UiState state, Viewport vp)
    {
        // A confirmation the body cannot hold takes the rows of the header and the tab bar too (the light in its title).
        if (vm.Controls.Pending is { Fit: not ConfirmationFit.Body } whole)
            return new Layout("screen").SplitRows(
                new Layout("body", ControlsView.Confirmation(whole, vp, vm.Header.Light.Caption)),
                new Layout("footer", HelpView.Footer(state, vp.Width, whole.Fits)).Size(1));
        IRenderable body =
            vm.Controls.Pending is { } confirm ? ControlsView.Confirmation(confirm, vp)
            : vm.ShowHelp ? HelpView.Render(vm.Header, vp)
            : vm.Screen switch
            {
                Screen.Operations => OperationsView.Render(vm.Operations, vp),
                Screen.History => HistoryView.Render(vm.History, vp),
                Screen.Controls => ControlsView.Render(vm, vp),
                Screen.Runs or Screen.Alerts or Screen.Stats or Screen.Ticket or Screen.Rebalance or Screen.Book => TextScreenView.Render(vm.Text, vp),
                _ => vm.Header.Light.Reasons.Contains(LightRules.StoreUnavailable) || vm.Header.FsmState == "-"
                    ? NoStatus(vm, vp)
                    : DashboardView.Render(vm.Dashboard, vp),
            };
        return new Layout("screen").SplitRows(
            new Layout("header", HeaderView.Render(vm.Header, vp.Width)).Size(Viewport.HeaderRows),
            new Layout("tabs", HeaderView.Tabs(vm.Screen, vm.Controls, vp.Width)).Size(1),
            new Layout("body", body),
            new Layout("footer", HelpView.Footer(state, vp.Width)).Size(1));
    }

    private static IRenderable NoStatus(MonitorViewModel vm, Viewport vp) => new Rows(
        Line.Of(vp.Width, vm.Header.Light.Detail is { } d ? $"{vm.Header.Light.Word}: {d}" : vm.Header.Light.Word, Styles.Bad),
        Line.Of(vp.Width, $"store {vm.Header.StorePath}", Styles.Dim),
        Line.Of(vp.Width, "retrying every frame; the daemon writes the store (bifrost-daemon).", Styles.Dim));
}
