using Bifrost.Store.Records;

namespace Bifrost.Tui.Input;

/// <summary>What a key (or the outcome of an effect) asks for. Data, so key handling is tested without a terminal.</summary>
internal abstract record UiAction
{
    private UiAction() { }

    public sealed record Show(Screen Screen) : UiAction;
    public sealed record NextScreen : UiAction;
    public sealed record PreviousScreen : UiAction;
    public sealed record ToggleHelp : UiAction;
    public sealed record Back : UiAction;
    public sealed record Up : UiAction;
    public sealed record Down : UiAction;
    public sealed record PageUp : UiAction;
    public sealed record PageDown : UiAction;
    public sealed record Newest : UiAction;
    public sealed record Open : UiAction;
    public sealed record NextKindFilter : UiAction;
    public sealed record NextTimeRange : UiAction;
    public sealed record RequestControl(ControlCommandKind Kind) : UiAction;
    public sealed record Confirm : UiAction;
    public sealed record Cancel : UiAction;
    public sealed record Quit : UiAction;

    /// <summary>The control queue accepted the command (id to poll).</summary>
    public sealed record ControlSent(ControlCommandKind Kind, long Id) : UiAction;

    /// <summary>The control queue could not be written.</summary>
    public sealed record ControlFailed(ControlCommandKind Kind, string Reason) : UiAction;
}

/// <summary>What the loop must do outside the pure update: write the control queue, or leave.</summary>
internal abstract record UiEffect
{
    private UiEffect() { }

    public sealed record EnqueueControl(ControlCommandKind Kind, string ConfirmedText) : UiEffect;
    public sealed record Quit : UiEffect;
}
