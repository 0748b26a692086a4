using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

/// <summary>What the console's forms (order ticket, rebalance, book confirmation) know from the daemon's status row.</summary>
internal sealed record FormContext(DaemonConfig Config, IReadOnlyDictionary<long, double> Marks, IReadOnlyDictionary<long, double> StrategyHoldings, bool HasStatus)
{
    public static readonly FormContext None = new(DaemonConfig.Unknown, new Dictionary<long, double>(), new Dictionary<long, double>(), false);

    /// <summary>The broker's position per contract (strategy-owned + external), for the book confirmation.</summary>
    public IReadOnlyDictionary<long, double> BrokerHoldings { get; init; } = new Dictionary<long, double>();

    /// <summary>The daemon halted on BOOK_MISMATCH (a block reason of its status): it waits for the book confirmation.</summary>
    public bool BookMismatch { get; init; }

    /// <summary>The daemon halted on a reconciliation (e.g. ORDER_OUTCOME_UNKNOWN: an order that may have filled unseen):
    /// the book confirmation can book such a fill, the underlying included.</summary>
    public bool ReconcileHalt { get; init; }

    /// <summary>That halt is LEG_UNCONFIGURED: the strategy holds a leg the configuration no longer lists. Confirming
    /// the book does not end it (the daemon syncs again and halts again): the leg goes back in the configuration.</summary>
    public bool UnlistedLegHalt { get; init; }

    /// <summary>That halt is LEG_QUANTITY_CHANGED: a leg's quantity in strategy.legs is neither the one the strategy took
    /// nor what it holds. Confirming the book at the configured quantity ends it (the daemon syncs again); so does the
    /// configuration set back.</summary>
    public bool QuantityChangedHalt { get; init; }

    public static FormContext From(StatusSnapshot? s)
    {
        if (s is null) return None;
        var marks = new Dictionary<long, double>();
        foreach (var p in s.Positions)
            if (p.MarketPrice is { } m && double.IsFinite(m) && m > 0) marks[p.ContractId] = m;
        var holdings = s.Positions.Where(p => p.Owner == PositionOwner.Strategy)
            .GroupBy(p => p.ContractId).ToDictionary(g => g.Key, g => g.Sum(p => p.Quantity));
        return new FormContext(DaemonConfig.Parse(s.ConfigSummaryJson), marks, holdings, true)
        {
            BrokerHoldings = s.Positions.GroupBy(p => p.ContractId).ToDictionary(g => g.Key, g => g.Sum(p => p.Quantity)),
            BookMismatch = s.BlockReasons.Contains(BookMismatchCode),
            ReconcileHalt = s.BlockReasons.Contains(ReconcileFailedCode),
            UnlistedLegHalt = s.FsmState.StartsWith(UnlistedLegHaltState, StringComparison.Ordinal),
            QuantityChangedHalt = s.FsmState.StartsWith(QuantityChangedHaltState, StringComparison.Ordinal),
        };
    }

    public const string BookMismatchCode = "BOOK_MISMATCH";
    public const string ReconcileFailedCode = "RECONCILE_FAILED";

    /// <summary>How the daemon's status names that halt (the domain's OptionBook.unconfiguredText).</summary>
    public const string UnlistedLegHaltState = "Halted(RECONCILE_FAILED: the strategy holds contracts the configuration no longer lists";

    /// <summary>How the daemon's status names that halt (the domain's OptionBook.configuredChangesText).</summary>
    public const string QuantityChangedHaltState = "Halted(RECONCILE_FAILED: a leg's quantity in strategy.legs changed since the strategy took the leg";

    public double StrategyHolding(long conId) => StrategyHoldings.GetValueOrDefault(conId);
}

/// <summary>The control row a form sent, and the run it started with its orders (read while the form is shown).</summary>
internal sealed record FormFollow(ControlCommand? Control, string? RunId, IReadOnlyList<OrderRecord> Orders)
{
    /// <summary>Con id → the contract as a trader names it, for the orders' lines.</summary>
    public Func<long, string>? Symbol { get; init; }
}

/// <summary>Text editing and the progress lines the forms share. Pure.</summary>
internal static class FormParts
{
    /// <summary>Backspace deletes; an allowed printable character is appended (up to <paramref name="max"/>).</summary>
    public static string Edit(string text, ConsoleKeyInfo key, Func<char, bool> allowed, int max = 40) =>
        key.Key == ConsoleKey.Backspace ? (text.Length > 0 ? text[..^1] : text)
        : key.KeyChar >= ' ' && key.KeyChar < 127 && allowed(key.KeyChar) && text.Length < max ? text + key.KeyChar
        : text;

    public static bool QuantityChar(char c) => char.IsAsciiDigit(c) || c is ',' or '_';

    public static bool SignedQuantityChar(char c) => QuantityChar(c) || c == '-';

    public static bool PriceChar(char c) => char.IsAsciiDigit(c) || c == '.';

    public static bool SymbolChar(char c) => char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or '-';

    /// <summary>The sent control and its run as lines: pending, taken, done/refused with the daemon's words, the orders
    /// with their fills, and the batch status (done / partial / failed) once the daemon finished the control.</summary>
    public static IReadOnlyList<TextLine> Progress(long? controlId, string? sent, FormFollow? follow)
    {
        if (controlId is not { } id) return [];
        var lines = new List<TextLine> { new($"SENT control #{id}: {sent}", "title") };
        var control = follow?.Control;
        if (control is null)
        {
            lines.Add(new("waiting for the control row to be read back…", "dim"));
            return lines;
        }
        var status = MonitorBuilder.EnumWord(control.Status);
        lines.Add(new($"control #{id} {status}" + (follow!.RunId is { } run ? $" · run {run}" : "")
            + (control.Status == ControlStatus.Pending ? " — waiting for the daemon to take it" : control.Result is { } r ? $" — {r}" : ""),
            control.Status switch { ControlStatus.Refused => "bad", ControlStatus.Done => "good", _ => "warn" }));
        foreach (var o in follow.Orders) lines.Add(new("  " + RunFollower.OrderText(o, follow.Symbol)));
        if (control.Status is ControlStatus.Done or ControlStatus.Refused)
        {
            var outcome = RunFollower.Finish(control, follow.RunId, follow.Orders, follow.Symbol);
            lines.Add(new($"batch: {outcome.Batch}" + (outcome.Batch != "done" && outcome.Detail is { Length: > 0 } d ? $" — {d}" : ""),
                outcome.Batch switch { "done" => "good", "partial" => "warn", _ => "bad" }));
        }
        return lines;
    }
}
