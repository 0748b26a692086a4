using System.Text.Json;
using Bifrost.Daemon.Broker;
using Bifrost.Domain;
using Bifrost.Domain.Trading;
using Bifrost.Store.Records;
using Microsoft.FSharp.Collections;

namespace Bifrost.Daemon.Control;

/// <summary>
/// A control-queue row → the engine event it asks for. Arguments (args_json):
/// <list type="bullet">
/// <item>stop, pause, resume, flatten, self_check: none (<c>{}</c>).</item>
/// <item>manual_order: <c>{"contract": "XYZ" | "XYZ 20260320 C 100", "con_id": 123 (instead of contract), "side": "buy"|"sell",
/// "quantity": 100, "type": "mkt"|"lmt", "limit": 100.05 (lmt only), "risk_bypass": false, "adjusts_strategy": false}</c> —
/// by default the trade is the operator's own (external: never hedged, counted or flattened by the strategy);
/// <c>"adjusts_strategy": true</c> makes its fills the strategy's, hedged like the rest of its holdings.</item>
/// <item>rebalance: <c>{"targets": [{"contract": "XYZ", "quantity": 0}, {"con_id": 123, "quantity": 10}], "risk_bypass": false}</c>
/// — strategy-owned quantity per contract after the run.</item>
/// <item>confirm_book: <c>{"legs": [{"con_id": 123, "quantity": 10}, {"contract": "XYZ 20260320 C 100", "quantity": 10}]}</c> — the
/// strategy's quantity per option leg, of the underlying (<c>{"contract": "XYZ", "quantity": -73}</c>: a hedge that filled
/// unseen) and of a portfolio stock (<c>{"contract": "AAA", "quantity": 200}</c>: a run's order that filled unseen), after a
/// BOOK_MISMATCH or a reconciliation halt (listed contracts only; nothing is traded; the engine then pauses: resume to trade).</item>
/// <item>cancel: <c>{"run_id": "..."}</c> or <c>{"order_ref": "oi_..."}</c> — cancel that run's (or that order's) working
/// orders; the run then ends partial or failed.</item>
/// <item>portfolio_run: <c>{"file": "/abs/signals.csv"}</c>, <c>{"signals": "...", "name": "x.csv"}</c>,
/// <c>{"targets": [{"symbol": "AAPL", "quantity": 50}]}</c> or <c>{"snapshot_id": "..."}</c> alone (see PortfolioRunArgs).</item>
/// </list>
/// Contracts must be in the configured universe (the underlying or a leg). A bad argument refuses the command, as does
/// an unknown key, a limit without <c>"type": "lmt"</c>, or a flag that is not true/false.
/// </summary>
public static class ControlArgs
{
    public static EventPayload Parse(ControlCommand c, Config cfg, ContractTable contracts)
    {
        var meta = new ControlMeta(c.Id, RequestedBy(c));
        switch (c.Command)
        {
            case ControlCommandKind.Stop: return EventPayload.NewControlRequested(Bifrost.Domain.Trading.Control.Stop, meta);
            case ControlCommandKind.Pause: return EventPayload.NewControlRequested(Bifrost.Domain.Trading.Control.Pause, meta);
            case ControlCommandKind.Resume: return EventPayload.NewControlRequested(Bifrost.Domain.Trading.Control.Resume, meta);
            case ControlCommandKind.Flatten: return EventPayload.NewControlRequested(Bifrost.Domain.Trading.Control.FlattenExposure, meta);
            case ControlCommandKind.SelfCheck: return EventPayload.NewControlRequested(Bifrost.Domain.Trading.Control.RunSelfCheck, meta);
        }
        using var doc = Document(c.ArgumentsJson);
        var root = doc.RootElement;
        if (c.Command == ControlCommandKind.Cancel)
        {
            KnownKeys(root, "", "run_id", "order_ref");
            var runId = Text(root, "run_id");
            var orderRef = Text(root, "order_ref");
            if ((runId is null) == (orderRef is null)) throw new FormatException("cancel: exactly one of run_id or order_ref is required");
            var control = runId is not null
                ? Bifrost.Domain.Trading.Control.NewCancelRun(Printable(runId, "run_id"))
                : Bifrost.Domain.Trading.Control.NewCancelOrderRef(Printable(orderRef!, "order_ref"));
            return EventPayload.NewControlRequested(control, meta);
        }
        // Its id becomes part of the run id and so of every order ref: beyond this bound a ref could not be minted.
        if (c.Command is ControlCommandKind.ManualOrder or ControlCommandKind.Rebalance or ControlCommandKind.PortfolioRun && (c.Id <= 0 || c.Id > ConfigModule.maxRunControlId))
            throw new FormatException($"control id {c.Id} is outside 1..{ConfigModule.maxRunControlId}: its order refs could not be minted");
        if (c.Command == ControlCommandKind.PortfolioRun) return PortfolioRuns.PortfolioRunArgs.Parse(root, c, cfg.RunId, meta);
        if (c.Command == ControlCommandKind.ManualOrder)
        {
            // An unknown key is a question the engine would not answer ("tif", "qty"): refused, never ignored.
            KnownKeys(root, "", "contract", "con_id", "side", "quantity", "type", "limit", "risk_bypass", "adjusts_strategy");
            var conId = Contract(root, contracts);
            var side = Text(root, "side")?.ToLowerInvariant() switch
            {
                "buy" => Side.Buy,
                "sell" => Side.Sell,
                var other => throw new FormatException($"side: expected buy or sell, got '{other}'"),
            };
            var qty = WholeNumber(root, "quantity", "");
            if (qty <= 0) throw new FormatException($"quantity: must be > 0, got {qty}");
            var hasLimit = root.TryGetProperty("limit", out _);
            // A limit without its type was sent as a market order: the price the operator meant to cap was ignored.
            var type = (StrictText(root, "type") ?? (hasLimit ? throw new FormatException("limit: given without \"type\": \"lmt\" (refused rather than sent at market)") : "mkt")).ToLowerInvariant() switch
            {
                "mkt" or "market" when hasLimit => throw new FormatException("limit: a mkt order takes no limit (use \"type\": \"lmt\")"),
                "mkt" or "market" => OrderType.Market,
                "lmt" or "limit" => OrderType.NewLimit(Number(root, "limit") is { } l && l > 0 && double.IsFinite(l) ? l : throw new FormatException("limit: required (> 0) for a lmt order")),
                var other => throw new FormatException($"type: expected mkt or lmt, got '{other}'"),
            };
            return EventPayload.NewManualOrderRequested(new ManualOrder($"{cfg.RunId}-man{c.Id}", conId, side, qty, type, StrictBool(root, "risk_bypass"), meta, StrictBool(root, "adjusts_strategy")));
        }
        if (c.Command == ControlCommandKind.Rebalance)
        {
            KnownKeys(root, "", "targets", "risk_bypass");
            if (!root.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Array || targets.GetArrayLength() == 0)
                throw new FormatException("targets: required, a non-empty array of {contract|con_id, quantity}");
            var list = new List<Tuple<ContractId, int>>();
            var i = 0;
            foreach (var t in targets.EnumerateArray())
            {
                if (t.ValueKind != JsonValueKind.Object) throw new FormatException($"targets[{i}]: expected an object");
                KnownKeys(t, $"targets[{i}].", "contract", "con_id", "quantity");
                var id = Contract(t, contracts);
                // Each target is sized from the same position: the same contract twice would trade the sum of both.
                if (list.Any(l => l.Item1.Equals(id)))
                    throw new FormatException($"targets[{i}]: {contracts.Find(ContractIdModule.value(id))?.Description ?? ContractIdModule.value(id).ToString()} given twice (one target per contract)");
                list.Add(Tuple.Create(id, WholeNumber(t, "quantity", $"targets[{i}].")));
                i++;
            }
            return EventPayload.NewRebalanceRequested(new Rebalance($"{cfg.RunId}-reb{c.Id}", ListModule.OfSeq(list), StrictBool(root, "risk_bypass"), meta));
        }
        if (c.Command == ControlCommandKind.ConfirmBook) return ConfirmBook(root, contracts, meta);
        throw new FormatException($"unsupported command {c.Command}");
    }

    /// <summary><c>{"legs": [{"con_id": 123, "quantity": 10}, {"contract": "XYZ 20260320 C 100", "quantity": 10}]}</c>:
    /// the strategy's quantity per option leg, of the underlying or of a portfolio stock, after a BOOK_MISMATCH or a
    /// reconciliation halt.</summary>
    private static EventPayload ConfirmBook(JsonElement root, ContractTable contracts, ControlMeta meta)
    {
        KnownKeys(root, "", "legs");
        if (!root.TryGetProperty("legs", out var legs) || legs.ValueKind != JsonValueKind.Array || legs.GetArrayLength() == 0)
            throw new FormatException("legs: required, a non-empty array of {contract|con_id, quantity}");
        var list = new List<Tuple<ContractId, int>>();
        var i = 0;
        foreach (var leg in legs.EnumerateArray())
        {
            if (leg.ValueKind != JsonValueKind.Object) throw new FormatException($"legs[{i}]: expected an object");
            KnownKeys(leg, $"legs[{i}].", "contract", "con_id", "quantity");
            var id = Contract(leg, contracts);
            // The table holds the underlying, the option legs and the portfolio.universe stocks: a run's order that
            // filled unseen is booked like a hedge's, or the next run would buy it again.
            var info = contracts.Find(ContractIdModule.value(id))
                ?? throw new FormatException($"legs[{i}]: {ContractIdModule.value(id)} is neither an option leg, the underlying nor a portfolio.universe symbol");
            var qty = WholeNumber(leg, "quantity", $"legs[{i}].");
            if (list.Any(l => l.Item1.Equals(id))) throw new FormatException($"legs[{i}]: {info.Description} listed twice");
            list.Add(Tuple.Create(id, qty));
            i++;
        }
        return EventPayload.NewBookConfirmRequested(new BookConfirmation(ListModule.OfSeq(list), meta));
    }
    /// <summary>Who asked: the writer's free text plus the OS user Bifrost's writer recorded ("os user unknown" for a
    /// row inserted by other means). Write access to the store is the control permission; this is the audit trail.</summary>
    public static string RequestedBy(ControlCommand c) => $"{c.RequestedBy} (os user {c.OsUser ?? "unknown"})";

    private static string Printable(string value, string key) =>
        value.Length > 0 && value.Length <= OrderRefModule.maxLength && value.All(ch => ch is > ' ' and <= '~')
            ? value
            : throw new FormatException($"{key}: must be 1..{OrderRefModule.maxLength} printable ASCII characters without spaces");

    private static JsonDocument Document(string json)
    {
        try
        {
            var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException("arguments must be a JSON object");
            if (JsonText.FirstUnreadable(doc.RootElement) is { } unreadable) throw new FormatException($"{unreadable}: {JsonText.Refusal}");
            // A key given twice is two answers to one question; JsonElement would keep the last one without a word
            // ({"quantity": 10, "quantity": 1000} sent 1000).
            if (JsonDuplicates.FirstIn(doc.RootElement) is { } repeated) throw new FormatException($"{repeated}: given twice");
            return doc;
        }
        catch (JsonException e)
        {
            throw new FormatException($"arguments are not valid JSON: {e.Message}");
        }
    }

    private static ContractId Contract(JsonElement e, ContractTable contracts)
    {
        // Both, disagreeing, would have one win silently.
        if (e.TryGetProperty("con_id", out _) && e.TryGetProperty("contract", out _)) throw new FormatException("contract or con_id: give one, not both");
        if (Int(e, "con_id") is { } id)
            return contracts.Find(id) is not null ? ContractIdModule.create(id).ResultValue : throw new FormatException($"con_id {id} is not in the configured universe");
        var text = Text(e, "contract") ?? throw new FormatException("contract or con_id: required");
        var normal = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var match = contracts.All.FirstOrDefault(c => c.Description.Equals(normal, StringComparison.OrdinalIgnoreCase));
        return match is not null
            ? ContractIdModule.create(match.ConId).ResultValue
            : throw new FormatException($"contract '{text}' is not in the configured universe ({string.Join(", ", contracts.All.Select(c => c.Description))})");
    }

    private static string? Text(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The largest quantity any control names (shares or contracts), as the console's command line caps it:
    /// −2147483648 as a rebalance target overflowed the engine's arithmetic (abs) and killed the daemon.</summary>
    public const int MaxQuantity = 10_000_000;

    /// <summary>Required; 10.5 or "10" is named as not a whole number rather than as missing; at most
    /// <see cref="MaxQuantity"/> either way.</summary>
    private static int WholeNumber(JsonElement e, string key, string at) =>
        !e.TryGetProperty(key, out var v) ? throw new FormatException($"{at}{key}: required")
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
            ? (Math.Abs((long)i) <= MaxQuantity ? i : throw new FormatException($"{at}{key}: {i} is beyond ±{MaxQuantity:N0}"))
        : throw new FormatException($"{at}{key}: expected a whole number, got {v.GetRawText()}");

    private static int? Int(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static double? Number(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>Absent is false; anything but true/false ("true", 1) is refused rather than read as false.</summary>
    private static bool StrictBool(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new FormatException($"{key}: expected true or false"),
            }
            : false;

    /// <summary>Absent is null; a value that is not a string is refused rather than read as absent.</summary>
    private static string? StrictText(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw new FormatException($"{key}: expected a string") : null;

    private static void KnownKeys(JsonElement e, string at, params string[] keys)
    {
        foreach (var p in e.EnumerateObject())
            if (Array.IndexOf(keys, p.Name) < 0)
                throw new FormatException($"{at}{p.Name}: unknown key (expected {string.Join(", ", keys)})");
    }
}
