using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Views;

/// <summary>
/// The always-visible top: a 4-row lamp in the light's colour with the colour's name in it, and beside it the light in
/// words, FSM state, connection, market data, heartbeat age, block reasons and failing checks. Then the tab bar.
/// </summary>
internal static class HeaderView
{
    private const int LampWidth = 12;

    public static IRenderable Render(HeaderVm h, int width)
    {
        var light = h.Light;
        var lamp = Styles.Lamp(light.Color);
        var text = Math.Max(10, width - LampWidth - 1);
        var lines = new List<IRenderable>(4);

        var block = new string('█', LampWidth);
        var word = light.ColorWord;
        var left = (LampWidth - 2 - word.Length) / 2;
        var middle = "█" + new string(' ', left) + word + new string(' ', LampWidth - 2 - left - word.Length) + "█";

        // 1: the light in words, FSM state, clock.
        var l1 = new Line(width).Add(block, lamp).Space()
            .Add(light.Caption, Styles.Caption(light.Color)).Add("   FSM ").Add(h.FsmState, Styles.Bold);
        if (h.RunId is { } run) l1.Add($"   run {run}");
        if (h.UnacknowledgedAlerts > 0) l1.Add($"   ALERTS {h.UnacknowledgedAlerts} unack", Styles.Bad);
        if (l1.Remaining > h.Clock.Length + 2) l1.Space(l1.Remaining - h.Clock.Length).Add(h.Clock, Styles.Dim);
        lines.Add(l1.Build());

        // 2: connection, market data, heartbeat.
        var l2 = new Line(width).Add(middle.Substring(0, 1), lamp).Add(middle[1..^1], Styles.LampWord(light.Color)).Add("█", lamp).Space()
            .Add("conn ").Add(h.Connection, Health(h.Connection)).Add("  md ").Add(h.MarketData, Health(h.MarketData))
            .Add("  heartbeat ").Add(h.HeartbeatAge == "-" ? "-" : h.HeartbeatAge + " ago", h.HeartbeatStale ? Styles.Bad : Styles.Good);
        lines.Add(l2.Build());

        // 3–4: why. Monitor-decided reasons (silent, unavailable) first with their explanation.
        var why = new List<(string Text, Style Style)>();
        if (light.Reasons.Contains(LightRules.StoreUnavailable))
            why.Add(($"STORE UNAVAILABLE: {light.Detail}", Styles.Bad));
        else if (light.Reasons.Contains(LightRules.DaemonSilent))
            why.Add(($"DAEMON_SILENT: {light.Detail}", Styles.Bad));
        else if (light.Reasons.Contains(LightRules.NoStatus))
            why.Add(($"NO_STATUS: {light.Detail}", Styles.Bad));
        var blockReasons = light.Reasons.Where(r => r is not (LightRules.DaemonSilent or LightRules.StoreUnavailable or LightRules.NoStatus)).ToList();
        var silent = light.Reasons.Contains(LightRules.DaemonSilent);
        var reasons = blockReasons.Count > 0 ? (silent ? "last reasons: " : "reasons: ") + string.Join(", ", blockReasons) : null;
        var reasonStyle = light.Color == LightColor.Green ? Style.Plain : Styles.Caption(light.Color);
        // Two lines hold the why: with several checks failing, every check's name comes first (after the reasons, on
        // the same line) and the details after, so no check is cut off by the details of the first.
        if (light.FailingChecks.Count > 1)
        {
            var names = $"failing ({light.FailingChecks.Count}): {string.Join(", ", light.FailingChecks.Select(c => c.Split(':')[0]))} — {string.Join("; ", light.FailingChecks)}";
            why.Add((reasons is null ? names : reasons + " · " + names, reasons is null ? Styles.Warn : reasonStyle));
        }
        else
        {
            if (reasons is not null) why.Add((reasons, reasonStyle));
            if (light.FailingChecks.Count == 1) why.Add(("failing: " + light.FailingChecks[0], Styles.Warn));
        }
        if (why.Count == 0) why.Add(("no block reasons · all checks ok", Styles.Good));

        var wrapped = Wrap(why, text, 2);
        for (var i = 0; i < 2; i++)
        {
            var l = new Line(width).Add(i == 1 ? block : "█" + new string(' ', LampWidth - 2) + "█", lamp).Space();
            if (i < wrapped.Count) l.Add(wrapped[i].Text, wrapped[i].Style);
            lines.Add(l.Build());
        }
        return new Rows(lines);
    }

    public static IRenderable Tabs(Screen active, ControlsVm controls, int width)
    {
        var l = new Line(width);
        string[] names = ["Dashboard", "Operations", "History", "Controls", "Runs", "Alerts", "Stats", "Order", "Rebalance"];
        if (active == Screen.Book) l.Add("[m Book]", Styles.Selected);
        for (var i = 0; i < names.Length; i++)
        {
            // The active screen by its name; below 110 columns the others by their key only (? lists them), so the
            // outcome of the last control command still fits beside them.
            var on = (int)active == i;
            l.Add(on ? $"[{i + 1} {names[i]}]" : width >= 110 ? $" {i + 1} {names[i]} " : $" {i + 1} ", on ? Styles.Selected : Styles.Dim);
        }
        var note = controls.Message is { } m ? (m, Styles.Warn)
            : controls.Tracked is { } t ? ($"{t.Command} #{t.Id}: {t.Status}" + (t.Result is { } r ? $" — {r}" : ""), Outcome(t.Status))
            : ("", Style.Plain);
        if (note.Item1.Length > 0 && l.Remaining > 3)
        {
            l.Space(2);
            var text = note.Item1.Length > l.Remaining ? Format.Cut(note.Item1, l.Remaining) : note.Item1.PadLeft(l.Remaining);
            l.Add(text, note.Item2);
        }
        return l.Build();
    }

    public static Style Outcome(string status) => status switch
    {
        "done" => Styles.Good,
        "refused" => Styles.Bad,
        _ => Styles.Warn,
    };

    private static Style Health(string s) =>
        s.StartsWith("ok", StringComparison.OrdinalIgnoreCase) || s.StartsWith("connected", StringComparison.OrdinalIgnoreCase) ? Styles.Good
        : s == "-" ? Styles.Dim
        : Styles.Warn;

    /// <summary>Greedy word wrap of styled paragraphs into at most <paramref name="maxLines"/> lines.</summary>
    private static List<(string Text, Style Style)> Wrap(List<(string Text, Style Style)> items, int width, int maxLines)
    {
        var lines = new List<(string, Style)>();
        foreach (var (text, style) in items)
        {
            var rest = text;
            while (rest.Length > 0 && lines.Count < maxLines)
            {
                if (rest.Length <= width || lines.Count == maxLines - 1)
                {
                    lines.Add((rest, style));
                    break;
                }
                var cut = rest.LastIndexOf(' ', width);
                if (cut <= 0) cut = width;
                lines.Add((rest[..cut], style));
                rest = rest[cut..].TrimStart();
            }
        }
        return lines;
    }
}
