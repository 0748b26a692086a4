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
    public sealed record Acknowledge : UiAction;

    /// <summary>A key for the open form (order ticket, rebalance): every key but Ctrl+C goes to the form.</summary>
    public sealed record FormKey(ConsoleKeyInfo Key) : UiAction;

    /// <summary>A form's control row was written (id to follow).</summary>
    public sealed record RequestSent(Screen Form, long Id, string Text) : UiAction;

    /// <summary>A form's control row could not be written.</summary>
    public sealed record RequestFailed(Screen Form, string Reason) : UiAction;

    /// <summary>The outcome of acknowledging an alert, in words.</summary>
    public sealed record AlertAcknowledged(string Text) : UiAction;

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
    public sealed record AcknowledgeAlert(long AlertId) : UiEffect;
    public sealed record SendRequest(Bifrost.Tui.Model.ControlRequest Request, Screen Form) : UiEffect;
}
