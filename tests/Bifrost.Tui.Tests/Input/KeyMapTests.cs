using Bifrost.Store.Records;
using Bifrost.Tui.Input;

namespace Bifrost.Tui.Tests.Input;

public sealed class KeyMapTests
{
    private static ConsoleKeyInfo Char(char c) => new(c, ConsoleKey.NoName, false, false, false);

    private static ConsoleKeyInfo Key(ConsoleKey k, bool shift = false, bool ctrl = false) => new('\0', k, shift, false, ctrl);

    [Theory]
    [InlineData('s', ControlCommandKind.Stop)]
    [InlineData('p', ControlCommandKind.Pause)]
    [InlineData('r', ControlCommandKind.Resume)]
    [InlineData('x', ControlCommandKind.Flatten)]
    [InlineData('c', ControlCommandKind.SelfCheck)]
    public void ControlKeys_AskForConfirmationFirst(char key, ControlCommandKind kind)
    {
        Assert.Equal(new UiAction.RequestControl(kind), KeyMap.Map(Char(key), new UiState()));
        var (state, effects) = UiUpdate.Update(new UiState(), new UiAction.RequestControl(kind), null);
        Assert.Equal(kind, state.Confirm);
        Assert.Empty(effects);
    }

    [Fact]
    public void WhileConfirming_OnlyYesNoEscAndCtrlCDoAnything()
    {
        var confirming = new UiState { Confirm = ControlCommandKind.Stop };
        foreach (var c in "sqx12?fjk \r")
            Assert.Null(KeyMap.Map(Char(c), confirming));
        Assert.Null(KeyMap.Map(Key(ConsoleKey.Enter), confirming));
        Assert.Equal(new UiAction.Confirm(), KeyMap.Map(Char('y'), confirming));
        Assert.Equal(new UiAction.Cancel(), KeyMap.Map(Char('n'), confirming));
        Assert.Equal(new UiAction.Cancel(), KeyMap.Map(Key(ConsoleKey.Escape), confirming));
        Assert.Equal(new UiAction.Quit(), KeyMap.Map(Key(ConsoleKey.C, ctrl: true), confirming));
    }

    [Fact]
    public void Yes_EnqueuesTheCommandWithTheTextShown_No_SendsNothing()
    {
        var confirming = new UiState { Confirm = ControlCommandKind.Stop };
        var (after, effects) = UiUpdate.Update(confirming, new UiAction.Confirm(), null);
        Assert.Null(after.Confirm);
        Assert.Equal(new UiEffect.EnqueueControl(ControlCommandKind.Stop, "Stop the daemon"), Assert.Single(effects));

        var (cancelled, none) = UiUpdate.Update(confirming, new UiAction.Cancel(), null);
        Assert.Empty(none);
        Assert.Null(cancelled.Confirm);
        Assert.Equal("Stop cancelled, nothing sent", cancelled.Message);
    }

    [Fact]
    public void ScreenKeys()
    {
        Assert.Equal(new UiAction.Show(Screen.Operations), KeyMap.Map(Char('2'), new UiState()));
        Assert.Equal(new UiAction.NextScreen(), KeyMap.Map(Key(ConsoleKey.Tab), new UiState()));
        Assert.Equal(new UiAction.PreviousScreen(), KeyMap.Map(Key(ConsoleKey.Tab, shift: true), new UiState()));
        var s = new UiState();
        foreach (var expected in new[] { Screen.Operations, Screen.History, Screen.Controls, Screen.Runs, Screen.Alerts, Screen.Stats, Screen.Dashboard })
        {
            s = UiUpdate.Update(s, new UiAction.NextScreen(), null).State;
            Assert.Equal(expected, s.Screen);
        }
    }

    [Fact]
    public void Help_OpensWithQuestionMark_AnyKeyClosesIt_QStillQuits()
    {
        var open = UiUpdate.Update(new UiState(), KeyMap.Map(Char('?'), new UiState())!, null).State;
        Assert.True(open.Help);
        Assert.Equal(new UiAction.ToggleHelp(), KeyMap.Map(Char('z'), open));
        Assert.Equal(new UiAction.Quit(), KeyMap.Map(Char('q'), open));
    }

    [Fact]
    public void EveryFooterKeyIsMapped()
    {
        var keys = new Dictionary<string, ConsoleKeyInfo>
        {
            ["1-7"] = Char('1'), ["a"] = Char('a'), ["s"] = Char('s'), ["p"] = Char('p'), ["r"] = Char('r'), ["x"] = Char('x'), ["?"] = Char('?'),
            ["q"] = Char('q'), ["↑↓"] = Key(ConsoleKey.UpArrow), ["Enter"] = Key(ConsoleKey.Enter), ["f"] = Char('f'), ["t"] = Char('t'),
            ["Home"] = Key(ConsoleKey.Home), ["Esc"] = Key(ConsoleKey.Escape), ["y"] = Char('y'), ["n/Esc"] = Char('n'), ["any key"] = Char('z'),
            ["1-9"] = Char('9'), ["o"] = Char('o'), ["b"] = Char('b'), ["←→"] = Key(ConsoleKey.LeftArrow), ["Ctrl+C"] = Key(ConsoleKey.C, ctrl: true),
        };
        UiState[] states =
        [
            new(), new() { Screen = Screen.Operations }, new() { Screen = Screen.Operations, DetailOpen = true }, new() { Screen = Screen.History },
            new() { Screen = Screen.Controls }, new() { Screen = Screen.Alerts }, new() { Screen = Screen.Runs }, new() { Confirm = ControlCommandKind.Flatten }, new() { Help = true },
            new() { Screen = Screen.Ticket }, new() { Screen = Screen.Ticket, Ticket = new() { Stage = Bifrost.Tui.Model.TicketStage.Confirming } },
            new() { Screen = Screen.Ticket, Ticket = new() { Stage = Bifrost.Tui.Model.TicketStage.TypingAccount } },
            new() { Screen = Screen.Rebalance }, new() { Screen = Screen.Rebalance, Rebalance = new() { Confirming = true } },
        ];
        foreach (var state in states)
            foreach (var (key, _) in KeyMap.Footer(state))
                Assert.NotNull(KeyMap.Map(keys[key], state));
    }

    [Fact]
    public void KindFilterCyclesAndResetsPaging()
    {
        var s = new UiState { Screen = Screen.Operations, Selected = 3, Top = new(5, 5), DetailOpen = true };
        var next = UiUpdate.Update(s, new UiAction.NextKindFilter(), null).State;
        Assert.Equal((1, 0, null, false), (next.KindFilter, next.Selected, next.Top, next.DetailOpen));
        for (var i = 1; i < OperationFilters.Kinds.Count; i++) next = UiUpdate.Update(next, new UiAction.NextKindFilter(), null).State;
        Assert.Equal(0, next.KindFilter);
    }
}
