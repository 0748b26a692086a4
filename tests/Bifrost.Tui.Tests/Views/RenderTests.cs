using System.Text.RegularExpressions;
using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Bifrost.Tui.Tests.Support;
using Bifrost.Tui.Views;

namespace Bifrost.Tui.Tests.Views;

public sealed partial class RenderTests
{
    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex Ansi();

    private static string Plain(string line) => Ansi().Replace(line, "");

    public static TheoryData<string> Screens => new() { "Dashboard", "Operations", "History", "Controls", "Help", "Confirm", "Detail" };

    private static UiState StateFor(string name) => name switch
    {
        "Help" => new UiState { Help = true },
        "Confirm" => new UiState { Confirm = ControlCommandKind.Flatten },
        "Detail" => new UiState { Screen = Screen.Operations, DetailOpen = true, Selected = 9 },
        _ => new UiState { Screen = Enum.Parse<Screen>(name) },
    };

    [Theory]
    [MemberData(nameof(Screens))]
    public void At80x24_EveryScreenIs24LinesOfAtMost80Cells_WithAndWithoutColour(string screen)
    {
        using var store = TempStore.WithSample(Frames.Now);
        foreach (var color in new[] { false, true })
        {
            var lines = Frames.Render(store.Path, StateFor(screen), color);
            Assert.Equal(24, lines.Length);
            Assert.All(lines, l => Assert.True(Plain(l).Length <= 80, $"{Plain(l).Length} cells: {Plain(l)}"));
            Assert.Contains("GREEN · OK", Plain(lines[0]));
            Assert.Equal(color, lines.Any(l => l.Contains('\u001b')));
        }
    }

    [Fact]
    public void Dashboard_ShowsLightStatePositionsApartGreeksBandPnlLimits()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var text = Frames.Text(Frames.Render(store.Path, new UiState()));
        foreach (var expected in new[]
        {
            "GREEN · OK", "FSM Hedging", "conn connected", "md ok", "heartbeat 0.5s ago", "no block reasons · all checks ok",
            "STRATEGY-OWNED  hedge -120 sh", "XYZ 20260320 100 C", "EXTERNAL / MANUAL  never touched, +50 sh",
            "Δ +62 sh", "θ -0.10 $/day", "ν +1.21 $/vol pt", "HEDGE BAND [-100, +100] target 0", "█───] Δ +62 inside", "real +120.50", "γ +80.20",
            "unattributed +24.60", "NAV not reported by the daemon",
            "RISK LIMITS", "84% near", "102% OVER", "s stop", "x flatten", "? help",
        })
            Assert.Contains(expected, text);
        var external = text.IndexOf("EXTERNAL", StringComparison.Ordinal);
        Assert.True(text.IndexOf("-120", external, StringComparison.Ordinal) < 0, "the strategy hedge is not listed under external");
    }

    // The console shows times in the host's zone (or UTC with --utc) and said neither: a console on a host in New York
    // read 10:30:00 for a fill at 15:30 UTC, the command line's --since/--until take times without an offset as UTC, and
    // the daemon's log is in UTC — a trader matching them was five hours off. The clock and the list say their zone.
    [Fact]
    public void HostInNewYork_TheClockAndTheOperationsTimesSayTheirZone()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var state = new UiState { Screen = Screen.Operations };
        using var source = new StoreSource(store.Path);
        var vm = MonitorBuilder.Build(source.Load(state, Viewport.Standard, Frames.Now), state,
            new MonitorSettings(store.Path, TimeSpan.FromSeconds(10), newYork), Frames.Now, Viewport.Standard);
        var lines = new FrameRenderer(color: false).Render(vm, state, Viewport.Standard);
        Assert.Contains(lines, l => l.StartsWith(" time -05:00 ", StringComparison.Ordinal));
        Assert.EndsWith("2026-03-02 10:30:00 UTC-05:00", vm.Header.Clock); // drawn where the first line has room (wider than 80)

        var wide = new Viewport(120, 30);
        Assert.EndsWith("2026-03-02 15:30:00 UTC", Frames.Render(store.Path, state, viewport: wide)[0]);
        Assert.Contains(Frames.Render(store.Path, state), l => l.StartsWith(" time UTC ", StringComparison.Ordinal));
    }

    // The daily rows are the exchange's session days (session_days, the daemon's labels; UTC dates only for rows it never
    // labelled): titled "UTC days", an evening fill (after 19:00 in New York, the next UTC date) was looked for under the
    // wrong day.
    [Fact]
    public void History_TheDaysAreSaidToBeSessionDays_NotUtcDates()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var text = Frames.Text(Frames.Render(store.Path, new UiState { Screen = Screen.History }));
        Assert.Contains("DAILY P&L AND HEDGES (exchange session days, newest first)", text);
        Assert.DoesNotContain("UTC days", text);
    }

    [Fact]
    public void DaemonSilent_FlattenConfirmation_ShowsTheExpiryNoteInFull_At80x24()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => s with { HeartbeatNanos = Frames.Now - 95 * Sample.Second });
        var lines = Frames.Render(store.Path, new UiState { Confirm = ControlCommandKind.Flatten });
        var text = string.Join(" ", lines.Select(l => l.Trim('║', ' ')));
        Assert.Contains("this command expires unless a daemon takes it within daemon.control_max_age_seconds (60 s by default): "
            + "nothing is done then, send it again once the daemon answers.", text);
    }

    [Fact]
    public void DaemonSilent_HeaderSaysItInWords()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => s with
        {
            HeartbeatNanos = Frames.Now - 95 * Sample.Second,
            Health = Health.Degraded,
            BlockReasons = ["FARM_DEGRADED"],
        });
        var lines = Frames.Render(store.Path, new UiState());
        Assert.Contains("RED · DAEMON SILENT", lines[0]);
        Assert.Contains("heartbeat 95s ago", lines[1]);
        Assert.Contains("DAEMON_SILENT: last heartbeat 95s ago (limit 10s)", lines[2] + lines[3]);
        Assert.Contains("last reasons: FARM_DEGRADED", lines[2] + lines[3]);
    }

    [Fact]
    public void Blocked_ReasonsAndFailingChecksNextToTheLight()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => s with
        {
            Health = Health.Blocked,
            BlockReasons = ["DISCONNECTED"],
            Checks = [new CheckResult("connection", Health.Blocked, "1100 connectivity lost")],
            Connection = "disconnected (1100)",
        });
        var lines = Frames.Render(store.Path, new UiState());
        Assert.Contains("RED · BLOCKED", lines[0]);
        Assert.Contains("conn disconnected (1100)", lines[1]);
        Assert.Contains("reasons: DISCONNECTED", lines[2]);
        Assert.Contains("failing: connection: 1100 connectivity lost", lines[3]);
    }

    [Fact]
    public void ManyChecksFailing_EveryNameFitsBesideTheLight_AtEightyColumns()
    {
        string[] names = ["delta_in_band", "data_fresh", "book_valued", "vols_implied", "greeks_ok"];
        using var store = TempStore.WithSample(Frames.Now, status: s => s with
        {
            Health = Health.Blocked,
            BlockReasons = ["NOT_RECONCILED"],
            Checks = [.. names.Select(n => new CheckResult(n, Health.Blocked, $"{n} is failing for a reason long enough to fill most of a line of the header"))],
        });
        var lines = Frames.Render(store.Path, new UiState(), viewport: new Viewport(80, 24));
        foreach (var n in names) Assert.Contains(n, lines[2] + lines[3]);
        Assert.Contains("failing (5)", lines[2] + lines[3]);
    }

    [Fact]
    public void StoreUnavailable_RedWithTheReason()
    {
        using var store = TempStore.Empty();
        var text = Frames.Text(Frames.Render(store.Path, new UiState()));
        Assert.Contains("RED · STORE UNAVAILABLE", text);
        Assert.Contains("STORE UNAVAILABLE: the file does not exist", text);
    }

    [Fact]
    public void Operations_ListAndSelectionMarkerReadableWithoutColour()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var lines = Frames.Render(store.Path, new UiState { Screen = Screen.Operations, Selected = 1 });
        Assert.Contains("13 matching, newest first, live", lines[5]);
        Assert.StartsWith(" 15:30:00.000 fill", lines[7]);
        Assert.StartsWith(">15:29:51.000 control_done", lines[8]);
    }

    [Fact]
    public void Operations_NameEachTradesContract_AsATraderReadsIt()
    {
        // A portfolio run trades twenty names and a rebalance legs and stock: "sell 20 @ 101.38" alone does not say
        // what was sold. The list names the contract as `bifrost-tui ops` does (its detail did already).
        using var store = TempStore.WithSample(Frames.Now);
        var lines = Frames.Render(store.Path, new UiState { Screen = Screen.Operations });
        Assert.Matches(@"^[ >]15:30:00\.000 fill +sell +20 XYZ +101\.38 ", lines[7]);
        Assert.Contains("contract", lines[6]);
        var wide = Frames.Render(store.Path, new UiState { Screen = Screen.Operations }, viewport: new Viewport(140, 40));
        Assert.Matches(@"^[ >]15:30:00\.000 fill +sell +20 XYZ +101\.38 +oi_paper1_4 +exec 0001\.02 hedge 2", wide[7]);
        Assert.DoesNotContain(lines, l => l.Contains("con id"));
    }

    [Fact]
    public void ConfirmationDialog_ShowsTheExactText()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var text = Frames.Text(Frames.Render(store.Path, new UiState { Confirm = ControlCommandKind.Stop }));
        Assert.Contains("CONFIRM: Stop the daemon", text);
        Assert.Contains("Stop: the daemon places no new orders from now", text);
        Assert.Contains("y  yes, send it", text);
    }

    // A 60x16 pane (a phone over SSH, a tmux split) had the flatten confirmation cut at the body's last row, silently:
    // the y/n line and the end of the text (manual orders keep working, external positions untouched, then pause) were
    // below the edge, and y sent it. A confirmation the body cannot hold now takes the header's rows too, the light in
    // its title.
    [Fact]
    public void SmallTerminal_AConfirmationTheBodyCannotHold_IsShownWholeOverTheScreen_TheLightInItsTitle()
    {
        using var store = TempStore.WithSample(Frames.Now);
        var vp = new Viewport(60, 16);
        var state = new UiState { Confirm = ControlCommandKind.Flatten };
        var pending = Frames.Build(store.Path, state, viewport: vp).Controls.Pending!;
        var lines = Frames.Render(store.Path, state, viewport: vp);
        var text = string.Join(" ", lines.Select(l => l.Trim('║', ' ')));

        Assert.Equal(16, lines.Length);
        Assert.Contains(pending.Text, text);
        Assert.Contains("y  yes, send it     n  /  Esc  no, nothing is sent", text);
        Assert.Contains("CONFIRM: Flatten strategy exposure · GREEN · OK", lines[0]);
    }

    [Fact]
    public void TinyTerminal_AConfirmationThatFitsNowhere_SaysItIsCut_NeverShowsYes()
    {
        using var store = TempStore.WithSample(Frames.Now, status: s => s with { HeartbeatNanos = Frames.Now - 95 * Sample.Second });
        var vp = new Viewport(50, 14);
        var lines = Frames.Render(store.Path, new UiState { Confirm = ControlCommandKind.Flatten }, viewport: vp);
        var text = string.Join(" ", lines.Select(l => l.Trim('║', ' ')));

        Assert.Equal(14, lines.Length);
        Assert.Contains("CUT: too small to show all of it; y sends nothing (enlarge the terminal, or n / Esc)", text);
        Assert.DoesNotContain("send it", text);
        Assert.Contains("y sends nothing", lines[^1]);
    }

    [Theory]
    [InlineData(120, 40)]
    [InlineData(200, 60)]
    [InlineData(60, 16)]
    public void ScalesToOtherSizes(int width, int height)
    {
        using var store = TempStore.WithSample(Frames.Now);
        var vp = new Viewport(width, height);
        foreach (var screen in Enum.GetValues<Screen>())
        {
            var lines = Frames.Render(store.Path, new UiState { Screen = screen }, color: true, viewport: vp);
            Assert.Equal(height, lines.Length);
            Assert.All(lines, l => Assert.True(Plain(l).Length <= width));
        }
        var ops = Frames.Build(store.Path, new UiState { Screen = Screen.Operations }, viewport: vp).Operations!;
        Assert.Equal(Math.Min(13, vp.OperationRows), ops.Rows.Count);
    }

}
