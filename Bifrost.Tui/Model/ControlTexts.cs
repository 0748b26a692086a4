using System.Text.Json;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

/// <summary>
/// The daemon's control settings as its status snapshot reports them (config_json → control.*). Missing keys take the
/// configuration defaults of Bifrost.Domain's ConfigJson, which are what the daemon applies when they are not set.
/// </summary>
internal sealed record ControlSettings(bool CancelOnStop, string AfterFlatten, string FlattenTarget)
{
    public static readonly ControlSettings Defaults = new(true, "pause", "zero");

    /// <summary>The fat-finger ceiling per manual order (control.max_manual_quantity / _notional); null when the daemon
    /// does not report it (then the console says so rather than assume the default).</summary>
    public int? MaxManualQuantity { get; init; }

    public double? MaxManualNotional { get; init; }

    /// <summary>control.limit_price_band: a limit further than this fraction from the mid is refused.</summary>
    public double? LimitPriceBand { get; init; }

    public static ControlSettings FromConfigJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return Defaults;
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Defaults;
            var control = root.TryGetProperty("control", out var c) && c.ValueKind == JsonValueKind.Object ? c : root;
            return new ControlSettings(
                control.TryGetProperty("cancel_on_stop", out var cs) && cs.ValueKind is JsonValueKind.True or JsonValueKind.False ? cs.GetBoolean() : Defaults.CancelOnStop,
                control.TryGetProperty("after_flatten", out var af) && af.ValueKind == JsonValueKind.String ? af.GetString()! : Defaults.AfterFlatten,
                control.TryGetProperty("flatten_target", out var ft) && ft.ValueKind == JsonValueKind.String ? ft.GetString()! : Defaults.FlattenTarget)
            {
                MaxManualQuantity = DaemonConfig.Long(control, "max_manual_quantity") is { } q and > 0 and <= int.MaxValue ? (int)q : null,
                MaxManualNotional = DaemonConfig.Double(control, "max_manual_notional") is { } n and > 0 ? n : null,
                LimitPriceBand = DaemonConfig.Double(control, "limit_price_band") is { } b and > 0 ? b : null,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) // InvalidOperation: a lone \uXXXX surrogate
        {
            return Defaults;
        }
    }
}

/// <summary>What a confirmation needs to say exactly what will happen.</summary>
internal sealed record ControlContext(
    string FsmState, double StrategyHedgeShares, double ExternalShares, int? WorkingOrders, ControlSettings Settings, BandGauge? Band, bool DaemonSilent,
    int? WorkingManualOrders = null)
{
    /// <summary>Strategy-owned stock other than the hedge ("AAA +500": a portfolio run's), which a flatten leaves open.</summary>
    public IReadOnlyList<string> OtherStrategyStocks { get; init; } = [];

    /// <summary>Why the net delta is unknown (a leg without valuation: the daemon reports 0), or null.</summary>
    public string? DeltaUnknown { get; init; }
}

/// <summary>The confirmation texts of the control commands. Pure, tested word for word.</summary>
internal static class ControlTexts
{
    public static ConfirmationVm Confirmation(ControlCommandKind kind, ControlContext c)
    {
        var text = kind switch
        {
            ControlCommandKind.Stop => Stop(c),
            ControlCommandKind.Pause =>
                "Pause: the daemon sends no new hedges until resumed. Working orders stay as they are; monitoring and self-check continue.",
            ControlCommandKind.Resume => Resume(c),
            ControlCommandKind.Flatten => Flatten(c),
            ControlCommandKind.SelfCheck => "Self-check: the daemon runs its self-check now and updates the light. No orders are sent or cancelled.",
            _ => $"{kind}: sent to the daemon as is.",
        };
        // A command that trades goes stale: the daemon refuses it when it is older than its control_max_age_seconds.
        if (c.DaemonSilent)
            text += Bifrost.Store.Control.ControlExpiry.Expires(kind)
                ? " Note: the daemon looks silent; this command expires unless a daemon takes it within daemon.control_max_age_seconds (60 s by default): nothing is done then, send it again once the daemon answers."
                : " Note: the daemon looks silent; the command waits in the queue until a daemon takes it.";
        return new ConfirmationVm(kind, Title(kind), text);
    }

    /// <summary>The text as the dialog shows it: wrapped inside its double border and a cell of padding each side.</summary>
    public static IReadOnlyList<string> Lines(string text, Viewport vp) => Format.Wrap(text, vp.Width - 4);

    /// <summary>Where the whole text, a blank line and the y/n line fit between the dialog's borders: the body's rows, else
    /// every row but the footer's, else nowhere.</summary>
    public static ConfirmationFit Fit(string text, Viewport vp)
    {
        var rows = Lines(text, vp).Count + 4;
        return rows <= vp.BodyRows ? ConfirmationFit.Body : rows <= vp.Height - 1 ? ConfirmationFit.Screen : ConfirmationFit.Cut;
    }

    public static string Title(ControlCommandKind kind) => kind switch
    {
        ControlCommandKind.Stop => "Stop the daemon",
        ControlCommandKind.Pause => "Pause hedging",
        ControlCommandKind.Resume => "Resume hedging",
        ControlCommandKind.Flatten => "Flatten strategy exposure",
        ControlCommandKind.SelfCheck => "Run self-check",
        _ => kind.ToString(),
    };

    private static string Stop(ControlContext c)
    {
        // The daemon's stop cancels every working order it placed (OrderFlow.cancelWorking), not only the strategy's.
        var cancel = c.Settings.CancelOnStop
            ? $"cancel every working order{Working(c)}, the operator's manual orders included{Manual(c)}"
            : $"leave every working order{Working(c)} in place, manual ones included (control.cancel_on_stop is false)";
        return $"Stop: the daemon places no new orders from now, will {cancel}, write its final status and exit. "
            + $"Positions are not closed (strategy hedge {Shares(c.StrategyHedgeShares)}, external {Shares(c.ExternalShares)}).";
    }

    private static string Resume(ControlContext c)
    {
        var band = c.Band is { } unknown && c.DeltaUnknown is { } why
            ? $" Net delta is unknown ({why}): against the band [{Format.Signed(unknown.Lower, 0)}, {Format.Signed(unknown.Upper, 0)}] a hedge may be sent as soon as it is known."
            : c.Band is { } b
            ? $" Net delta is {Format.Signed(b.Delta, 1)} against the band [{Format.Signed(b.Lower, 0)}, {Format.Signed(b.Upper, 0)}]"
              + (b.Inside ? "." : ": a hedge may be sent at once.")
            : "";
        return $"Resume: hedging restarts from the current state (now {c.FsmState}).{band}";
    }

    private static string Flatten(ControlContext c)
    {
        var target = c.Settings.FlattenTarget == "book_delta"
            ? "the option book's delta" + (c.Band is { } b ? $" (target {Format.Signed(b.Target, 0)})" : "")
            : "0";
        var then = c.Settings.AfterFlatten == "stop" ? "Then stop." : "Then pause.";
        // Runs.startFlatten: cancels the strategy-owned working orders only, waits for them, then market orders the hedge.
        var manual = c.WorkingManualOrders is { } m ? $" ({m} working)" : "";
        return $"Flatten: cancel the strategy-owned working orders (hedge, rebalance, strategy-adjusting manual){Working(c)}, "
            + $"then close the strategy-owned hedge of {Shares(c.StrategyHedgeShares)} to {target} with market orders "
            + "(outside the session's hours none is sent: the flatten is refused and the engine pauses). "
            + (c.OtherStrategyStocks.Count == 0 ? "" : $"Only the hedge is traded: the strategy-owned {string.Join(", ", c.OtherStrategyStocks)} {(c.OtherStrategyStocks.Count == 1 ? "is" : "are")} not closed by a flatten. ")
            + $"The operator's own manual orders{manual} keep working and external/manual positions ({Shares(c.ExternalShares)}) are not touched. {then}";
    }

    private static string Working(ControlContext c) => c.WorkingOrders is { } n ? $" ({n} working)" : "";

    private static string Manual(ControlContext c) => c.WorkingManualOrders is { } m ? $" ({m} of them manual)" : "";

    private static string Shares(double qty) => $"{Format.Quantity(qty)} shares";
}
