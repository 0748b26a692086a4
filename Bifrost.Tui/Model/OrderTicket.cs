using System.Globalization;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

internal enum TicketStage { Editing, Confirming, TypingAccount }

/// <summary>The order ticket as the operator fills it in. <see cref="Contract"/> indexes the configured contracts;
/// one past the last is "a symbol I type".</summary>
internal sealed record TicketState
{
    public int Field { get; init; }
    public int Contract { get; init; }
    public string Typed { get; init; } = "";
    public TradeSide Side { get; init; } = TradeSide.Buy;
    public string Quantity { get; init; } = "";
    public bool Limit { get; init; }
    public string Price { get; init; } = "";
    public bool RiskBypass { get; init; }
    public bool AdjustsStrategy { get; init; }
    public TicketStage Stage { get; init; }
    public string AccountTyped { get; init; } = "";
    public string? Error { get; init; }

    /// <summary>The order as Enter reviewed it: y sends this one, and only while the ticket still reads the same.</summary>
    public ControlRequest.ManualOrder? Reviewed { get; init; }

    /// <summary>The control row the last confirmed order wrote, followed on the ticket.</summary>
    public long? ControlId { get; init; }
    public string? Sent { get; init; }
}

/// <summary>What a key on a form leads to: nothing more, leave the form, or write this control row.</summary>
internal abstract record FormOutcome
{
    private FormOutcome() { }
    public static readonly FormOutcome None = new Stay();
    public sealed record Stay : FormOutcome;
    public sealed record Leave : FormOutcome;
    public sealed record Send(ControlRequest Request) : FormOutcome;
}

/// <summary>
/// The order ticket: contract (configured underlying and legs, or a typed symbol), side, quantity, MKT/LMT and price,
/// risk bypass and ownership as explicit choices. Enter reviews: the confirmation states the order, its notional, the
/// fat-finger ceiling; in live mode y then asks for the account id typed out. An order above the ceiling is refused
/// here (the daemon would refuse it too). Pure: keys in, state and outcome out.
/// </summary>
internal static class OrderTicket
{
    public static readonly string[] Fields = ["contract", "side", "quantity", "type", "limit price", "risk limits", "position"];

    public static (TicketState, FormOutcome) Update(TicketState t, ConsoleKeyInfo key, FormContext ctx)
    {
        switch (t.Stage)
        {
            case TicketStage.Confirming:
                if (key.KeyChar is 'y' or 'Y')
                {
                    if (!ctx.Config.IsLive) return Send(t, ctx);
                    if (ctx.Config.Account is null)
                        return (t with { Stage = TicketStage.Editing, Error = "live mode but the daemon reports no account id: a live order cannot be confirmed here; nothing sent" }, FormOutcome.None);
                    return (t with { Stage = TicketStage.TypingAccount, AccountTyped = "" }, FormOutcome.None);
                }
                return key.KeyChar is 'n' or 'N' || key.Key == ConsoleKey.Escape
                    ? (t with { Stage = TicketStage.Editing, Error = "not sent" }, FormOutcome.None)
                    : (t, FormOutcome.None);
            case TicketStage.TypingAccount:
                if (key.Key == ConsoleKey.Escape) return (t with { Stage = TicketStage.Editing, AccountTyped = "", Error = "not sent" }, FormOutcome.None);
                if (key.Key != ConsoleKey.Enter)
                    return (t with { AccountTyped = FormParts.Edit(t.AccountTyped, key, char.IsAsciiLetterOrDigit, 20) }, FormOutcome.None);
                return string.Equals(t.AccountTyped, ctx.Config.Account, StringComparison.OrdinalIgnoreCase)
                    ? Send(t, ctx)
                    : (t with { Stage = TicketStage.Editing, AccountTyped = "", Error = "the account id typed does not match the daemon's; nothing sent" }, FormOutcome.None);
        }

        var choices = ctx.Config.Contracts.Count + 1;
        switch (key.Key)
        {
            case ConsoleKey.Escape: return (t with { Error = null }, new FormOutcome.Leave());
            case ConsoleKey.UpArrow: return (t with { Field = (t.Field + Fields.Length - 1) % Fields.Length }, FormOutcome.None);
            case ConsoleKey.DownArrow or ConsoleKey.Tab: return (t with { Field = (t.Field + 1) % Fields.Length }, FormOutcome.None);
            case ConsoleKey.Enter:
                var (request, error) = Validate(t, ctx);
                return request is null
                    ? (t with { Error = error }, FormOutcome.None)
                    : (t with { Stage = TicketStage.Confirming, Error = null, Reviewed = request }, FormOutcome.None);
        }
        var step = key.Key == ConsoleKey.LeftArrow ? -1 : key.Key == ConsoleKey.RightArrow || key.KeyChar == ' ' ? 1 : 0;
        var typing = t.Contract >= choices - 1;
        t = t with { Error = null };
        return (Fields[t.Field] switch
        {
            "contract" when step != 0 && !(typing && key.KeyChar == ' ') => t with { Contract = (t.Contract + choices + step) % choices },
            "contract" when typing => t with { Typed = FormParts.Edit(t.Typed, key, FormParts.SymbolChar).ToUpperInvariant() },
            "side" when step != 0 || key.KeyChar is 'b' or 's' => t with
            {
                Side = key.KeyChar == 'b' ? TradeSide.Buy : key.KeyChar == 's' ? TradeSide.Sell : t.Side == TradeSide.Buy ? TradeSide.Sell : TradeSide.Buy,
            },
            "quantity" => t with { Quantity = FormParts.Edit(t.Quantity, key, FormParts.QuantityChar, 12) },
            "type" when step != 0 => t with { Limit = !t.Limit },
            "limit price" when t.Limit => t with { Price = FormParts.Edit(t.Price, key, FormParts.PriceChar, 12) },
            "risk limits" when step != 0 => t with { RiskBypass = !t.RiskBypass },
            "position" when step != 0 => t with { AdjustsStrategy = !t.AdjustsStrategy },
            _ => t,
        }, FormOutcome.None);
    }

    // The contract is an index into the daemon's configured contracts: a status that changed them since Enter (a restart
    // with other legs, a store that could not be read) would turn the same ticket into another order than the one reviewed.
    private static (TicketState, FormOutcome) Send(TicketState t, FormContext ctx) =>
        Validate(t, ctx) switch
        {
            ({ } request, _) when request == t.Reviewed =>
                (t with { Stage = TicketStage.Editing, AccountTyped = "", Reviewed = null }, new FormOutcome.Send(request)),
            ({ } request, _) => (t with { Stage = TicketStage.Editing, AccountTyped = "", Reviewed = null,
                Error = $"the daemon's status changed while you reviewed it: the ticket now reads {ControlRequests.Describe(request)}; review it again (Enter); nothing sent" }, FormOutcome.None),
            (_, var error) => (t with { Stage = TicketStage.Editing, AccountTyped = "", Reviewed = null, Error = error }, FormOutcome.None),
        };

    /// <summary>The ticket as a manual order, or why not (a field named). Above the fat-finger ceiling is refused.</summary>
    public static (ControlRequest.ManualOrder? Order, string? Error) Validate(TicketState t, FormContext ctx)
    {
        try
        {
            var contracts = ctx.Config.Contracts;
            var contract = t.Contract < contracts.Count
                ? new ContractName(contracts[t.Contract].Description, null)
                : ContractName.Parse(t.Typed.Length > 0 ? t.Typed : throw new FormatException("contract: type a symbol (or pick a configured contract with ← →)"));
            var qty = ControlRequests.ParseQuantity("quantity", t.Quantity.Length > 0 ? t.Quantity : "0");
            double? limit = t.Limit ? ControlRequests.ParsePrice("limit price", t.Price) : null;
            var order = new ControlRequest.ManualOrder(contract, t.Side, qty, limit, t.RiskBypass, t.AdjustsStrategy);
            var control = ctx.Config.Control;
            if (control.MaxManualQuantity is { } maxQty && qty > maxQty)
                return (null, $"quantity {qty:N0} is above the fat-finger ceiling control.max_manual_quantity {maxQty:N0}; nothing sent");
            if (control.MaxManualNotional is { } maxNotional && Notional(order, ctx) is { } n && n > maxNotional)
                return (null, $"notional {n:N0} is above the fat-finger ceiling control.max_manual_notional {maxNotional:N0}; nothing sent");
            return (order, null);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Quantity × (limit, else the last mark) × multiplier; null when the console has no price or multiplier.</summary>
    public static double? Notional(ControlRequest.ManualOrder order, FormContext ctx)
    {
        var configured = order.Contract.Description is { } d ? ctx.Config.Find(d) : null;
        if (configured is null || configured.Multiplier <= 0) return null;
        return ControlRequests.Notional(order, ctx.Marks.TryGetValue(configured.ConId, out var m) ? m : null, configured.Multiplier);
    }

    /// <summary>The ticket (or its confirmation) as styled lines.</summary>
    public static TextScreenVm View(TicketState t, FormContext ctx, FormFollow? follow)
    {
        var lines = new List<TextLine>();
        var (order, error) = Validate(t, ctx);
        if (t.Stage != TicketStage.Editing && t.Reviewed is not null) order = t.Reviewed; // what y sends, or refuses to
        if (t.Stage != TicketStage.Editing && order is not null)
        {
            lines.Add(new($"CONFIRM ORDER{(ctx.Config.IsLive ? " — LIVE ACCOUNT" : $" — {ctx.Config.Mode.ToUpperInvariant()}")}", ctx.Config.IsLive ? "bad" : "title"));
            lines.AddRange(Confirmation(order, ctx).Select(l => new TextLine(l)));
            lines.Add(new(""));
            lines.Add(t.Stage == TicketStage.TypingAccount
                ? new($"LIVE: type the account id this daemon trades, then Enter (Esc: nothing is sent): {t.AccountTyped}_", "bad")
                : new(ctx.Config.IsLive ? "y: go on to the account-id check · n / Esc: back to the ticket, nothing sent" : "y: send it · n / Esc: back to the ticket, nothing sent", "warn"));
            return new TextScreenVm(lines) { Wrap = true };
        }

        lines.Add(new("ORDER TICKET  ↑↓ field · ← → choose · type to edit · Enter review · Esc leave", "title"));
        if (!ctx.HasStatus) lines.Add(new("no status from the daemon yet: the configured contracts, marks and ceiling are unknown", "warn"));
        var contracts = ctx.Config.Contracts;
        var pick = t.Contract < contracts.Count ? contracts[t.Contract].Description : $"typed: {t.Typed}_";
        string[] values =
        [
            $"◂ {pick} ▸   ({t.Contract + 1} of {contracts.Count + 1}; the last is a symbol you type)",
            t.Side == TradeSide.Buy ? "[BUY]  sell" : " buy  [SELL]",
            t.Quantity.Length > 0 ? t.Quantity : "_",
            t.Limit ? " mkt  [LMT]" : "[MKT]  lmt",
            t.Limit ? (t.Price.Length > 0 ? t.Price : "_") : "(market order: no price)",
            t.RiskBypass ? "RISK BYPASS: the strategy's risk limits are skipped (the fat-finger ceiling still applies)" : "apply the strategy's risk limits",
            t.AdjustsStrategy ? "adjusts the strategy's holdings" : "the operator's own (external) position",
        ];
        for (var i = 0; i < Fields.Length; i++)
            lines.Add(new($"{(i == t.Field ? ">" : " ")} {Fields[i],-12} {values[i]}", i == t.Field ? "title" : i == 5 && t.RiskBypass ? "bad" : ""));
        lines.Add(new(Ceiling(ctx), "dim"));
        if (t.Error is { } e) lines.Add(new(e, "bad"));
        else if (order is null && error is not null && t.Quantity.Length > 0) lines.Add(new(error, "warn"));
        else if (order is not null) lines.Add(new("Enter: " + ControlRequests.Describe(order), ""));
        lines.Add(new(""));
        lines.AddRange(FormParts.Progress(t.ControlId, t.Sent, follow));
        return new TextScreenVm(lines) { Wrap = true };
    }

    public static IReadOnlyList<string> Confirmation(ControlRequest.ManualOrder order, FormContext ctx)
    {
        var notional = Notional(order, ctx);
        return
        [
            ControlRequests.Describe(order),
            notional is { } n ? $"notional ≈ {n.ToString("N2", CultureInfo.InvariantCulture)}" + (order.Limit is null ? " at the last mark (market order: the fill price may differ)" : " at the limit")
                : "notional: unknown here (no mark or multiplier in the status); the daemon checks it against the ceiling",
            Ceiling(ctx),
            order.RiskBypass ? "risk limits: BYPASSED for this order" : "risk limits: apply (a risk-increasing order over a limit is refused)",
            $"account {ctx.Config.Account ?? "(not reported)"}, mode {ctx.Config.Mode}",
        ];
    }

    public static string Ceiling(FormContext ctx)
    {
        var c = ctx.Config.Control;
        return c.MaxManualQuantity is null && c.MaxManualNotional is null
            ? "fat-finger ceiling: not reported by the daemon (it still applies control.max_manual_quantity / _notional)"
            : $"fat-finger ceiling per order: {c.MaxManualQuantity?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} qty, "
              + $"{c.MaxManualNotional?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} notional (control.max_manual_*)";
    }
}
