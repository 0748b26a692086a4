using System.Collections.Immutable;
using System.Globalization;

namespace Bifrost.Tui.Model;

/// <summary>The rebalance form: a target text per configured contract (aligned with the config's contracts; empty = not
/// part of the rebalance), the risk-bypass choice, and the control it sent.</summary>
internal sealed record RebalanceState
{
    /// <summary>The book confirmation after a BOOK_MISMATCH or reconciliation halt: the same form over the option legs,
    /// then the underlying (optional: a hedge that filled unseen) and the portfolio stocks (optional: a run's order that
    /// filled unseen), writing confirm_book.</summary>
    public bool Book { get; init; }
    public ImmutableList<string> Targets { get; init; } = [];
    public int Field { get; init; }
    public bool RiskBypass { get; init; }
    public bool Confirming { get; init; }
    /// <summary>The request as Enter previewed it: y sends it only while the form still reads the same.</summary>
    public ControlRequest? Reviewed { get; init; }
    public string? Error { get; init; }
    public long? ControlId { get; init; }
    public string? Sent { get; init; }
}

/// <summary>One line of the preview: where the strategy-owned holding is, where it should go, the order that implies.</summary>
internal sealed record RebalanceLeg(string Contract, double Current, int Target)
{
    public double Delta => Target - Current;

    public string Implied => Delta == 0 ? "nothing to trade"
        : $"{(Delta > 0 ? "BUY" : "SELL")} {Math.Abs(Delta).ToString("#,0.##", CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Targets per contract → a preview of the implied orders (target − current strategy-owned holding), confirm, send the
/// same rebalance row `bifrost-tui rebalance` writes, then its progress and final batch status. Pure.
/// With <see cref="RebalanceState.Book"/>: the operator states the strategy-owned option book (every leg) after a
/// BOOK_MISMATCH halt, and the row is the confirm_book `bifrost-tui confirm-book` writes; nothing is traded.
/// </summary>
internal static class RebalanceForm
{
    public static (RebalanceState, FormOutcome) Update(RebalanceState r, ConsoleKeyInfo key, FormContext ctx)
    {
        var contracts = Contracts(r, ctx);
        var targets = r.Targets.Count == contracts.Count ? r.Targets : ImmutableList.CreateRange(Enumerable.Repeat("", contracts.Count));
        r = r with { Targets = targets };
        if (r.Confirming)
        {
            // Targets are per row of the daemon's contracts: a status that changed them since Enter would send another book.
            if (key.KeyChar is 'y' or 'Y')
                return Preview(r, ctx) switch
                {
                    ({ } request, _, _) when r.Reviewed is { } reviewed && ControlRequests.ToRow(request) == ControlRequests.ToRow(reviewed) =>
                        (r with { Confirming = false, Reviewed = null }, new FormOutcome.Send(request)),
                    ({ } request, _, _) => (r with { Confirming = false, Reviewed = null,
                        Error = $"the daemon's status changed while you reviewed it: the form now reads {ControlRequests.Describe(request)}; review it again (Enter); nothing sent" }, FormOutcome.None),
                    (_, _, var error) => (r with { Confirming = false, Reviewed = null, Error = error }, FormOutcome.None),
                };
            return key.KeyChar is 'n' or 'N' || key.Key == ConsoleKey.Escape ? (r with { Confirming = false, Error = "not sent" }, FormOutcome.None) : (r, FormOutcome.None);
        }
        var rows = contracts.Count + (r.Book ? 0 : 1); // the contracts, then the risk choice
        switch (key.Key)
        {
            case ConsoleKey.Escape: return (r with { Error = null }, new FormOutcome.Leave());
            case ConsoleKey.UpArrow: return (r with { Field = (r.Field + rows - 1) % rows }, FormOutcome.None);
            case ConsoleKey.DownArrow or ConsoleKey.Tab: return (r with { Field = (r.Field + 1) % rows }, FormOutcome.None);
            case ConsoleKey.Enter:
                var (request, _, error) = Preview(r, ctx);
                return (request is null ? r with { Error = error } : r with { Confirming = true, Error = null, Reviewed = request }, FormOutcome.None);
        }
        if (r.Field == contracts.Count)
            return (key.Key is ConsoleKey.LeftArrow or ConsoleKey.RightArrow || key.KeyChar == ' ' ? r with { RiskBypass = !r.RiskBypass, Error = null } : r, FormOutcome.None);
        if (r.Field < contracts.Count)
            return (r with { Targets = targets.SetItem(r.Field, FormParts.Edit(targets[r.Field], key, FormParts.SignedQuantityChar, 12)), Error = null }, FormOutcome.None);
        return (r, FormOutcome.None);
    }

    /// <summary>The request, its preview lines, or why it cannot be sent.</summary>
    private static IReadOnlyList<ConfiguredContract> Contracts(RebalanceState r, FormContext ctx) =>
        r.Book ? [.. ctx.Config.Legs, .. ctx.Config.Contracts.Where(c => c.IsUnderlying), .. ctx.Config.PortfolioStocks] : ctx.Config.Contracts;

    public static (ControlRequest? Request, IReadOnlyList<RebalanceLeg> Legs, string? Error) Preview(RebalanceState r, FormContext ctx)
    {
        var contracts = Contracts(r, ctx);
        var legs = new List<RebalanceLeg>();
        var targets = new List<(ContractName, int)>();
        try
        {
            for (var i = 0; i < contracts.Count && i < r.Targets.Count; i++)
            {
                if (r.Targets[i].Trim().Length == 0) continue;
                var qty = ControlRequests.ParseQuantity($"{contracts[i].Description} target", r.Targets[i], allowZeroOrNegative: true);
                legs.Add(new RebalanceLeg(contracts[i].Description, ctx.StrategyHolding(contracts[i].ConId), qty));
                targets.Add((new ContractName(contracts[i].Description, null), qty));
            }
        }
        catch (FormatException e)
        {
            return (null, legs, e.Message);
        }
        if (!ctx.HasStatus) return (null, legs, "no status from the daemon: the current holdings are unknown; nothing can be previewed");
        if (r.Book)
            return ctx.Config.Legs.All(leg => legs.Any(l => l.Contract == leg.Description))
                ? (new ControlRequest.ConfirmBook(targets), legs, null)
                : (null, legs, "state every leg (0 for a leg the strategy does not own)");
        if (legs.Count == 0) return (null, legs, "type a target quantity for at least one contract");
        if (legs.All(l => l.Delta == 0)) return (null, legs, "every target equals the current strategy-owned holding: nothing to do");
        return (new ControlRequest.Rebalance(targets, r.RiskBypass), legs, null);
    }

    public static TextScreenVm View(RebalanceState r, FormContext ctx, FormFollow? follow)
    {
        var contracts = Contracts(r, ctx);
        var (request, legs, error) = Preview(r, ctx);
        var lines = new List<TextLine>();
        if (r.Confirming && request is not null)
        {
            lines.Add(new(r.Book ? "CONFIRM THE STRATEGY-OWNED BOOK (nothing is traded)" : "CONFIRM REBALANCE of the strategy-owned book", ctx.Config.IsLive ? "bad" : "title"));
            lines.Add(new(ControlRequests.Describe(request)));
            lines.AddRange(legs.Select(l => new TextLine($"  {l.Contract,-22} now {Format.Quantity(l.Current),8} → {l.Target,8}"
                + (r.Book ? (l.Delta == 0 ? "" : $": the strategy's book changes by {Format.Quantity(l.Delta)}") : $": {l.Implied}"))));
            if (!r.Book) lines.Add(new(r.RiskBypass ? "risk limits: BYPASSED" : "risk limits: apply", r.RiskBypass ? "bad" : ""));
            lines.Add(new($"account {ctx.Config.Account ?? "(not reported)"}, mode {ctx.Config.Mode}"));
            lines.Add(new(""));
            lines.Add(new("y: send it · n / Esc: back, nothing sent", "warn"));
            return new TextScreenVm(lines) { Wrap = true };
        }
        lines.Add(r.Book
            ? new("CONFIRM BOOK after BOOK_MISMATCH / ORDER_OUTCOME_UNKNOWN  ↑↓ contract · type what the strategy owns (signed, 0 for none) · Enter review · Esc leave", "title")
            : new("REBALANCE  ↑↓ contract · type the target (strategy-owned, signed) · Enter preview · Esc leave", "title"));
        if (r.Book && !ctx.BookMismatch && !ctx.ReconcileHalt)
            lines.Add(new("no BOOK_MISMATCH or reconciliation halt reported now: the daemon may refuse a confirmation it did not ask for", "warn"));
        if (contracts.Count == 0) lines.Add(new("the daemon reports no configured contracts (no status yet?)", "warn"));
        lines.Add(new($"  {"contract",-22} {"strategy now",12} {(r.Book ? "stated" : "target"),8}  {(r.Book ? "" : "implied order")}", "dim"));
        for (var i = 0; i < contracts.Count; i++)
        {
            var text = i < r.Targets.Count ? r.Targets[i] : "";
            var leg = legs.FirstOrDefault(l => l.Contract == contracts[i].Description);
            lines.Add(new($"{(i == r.Field ? ">" : " ")} {contracts[i].Description,-22} {Format.Quantity(ctx.StrategyHolding(contracts[i].ConId)),12} {(text.Length > 0 ? text : "-"),8}  {(r.Book ? $"broker {Format.Quantity(ctx.BrokerHoldings.GetValueOrDefault(contracts[i].ConId))}" : leg?.Implied ?? "")}",
                i == r.Field ? "title" : ""));
        }
        if (!r.Book)
            lines.Add(new($"{(r.Field == contracts.Count ? ">" : " ")} {"risk limits",-22} {(r.RiskBypass ? "RISK BYPASS (the strategy's limits are skipped)" : "apply")}",
            r.Field == contracts.Count ? "title" : r.RiskBypass ? "bad" : ""));
        var problem = r.Error ?? (r.Targets.Any(t => t.Length > 0) ? error : null);
        if (problem is not null) lines.Add(new(problem, "bad"));
        lines.Add(new(""));
        lines.AddRange(FormParts.Progress(r.ControlId, r.Sent, follow));
        return new TextScreenVm(lines) { Wrap = true };
    }
}
