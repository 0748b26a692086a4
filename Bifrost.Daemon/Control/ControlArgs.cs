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
/// "quantity": 100, "type": "mkt"|"lmt", "limit": 100.05 (lmt only), "risk_bypass": false}</c>.</item>
/// <item>rebalance: <c>{"targets": [{"contract": "XYZ", "quantity": 0}, {"con_id": 123, "quantity": 10}], "risk_bypass": false}</c>
/// — strategy-owned quantity per contract after the run.</item>
/// </list>
/// Contracts must be in the configured universe (the underlying or a leg). A bad argument refuses the command.
/// </summary>
public static class ControlArgs
{
    public static EventPayload Parse(ControlCommand c, Config cfg, ContractTable contracts)
    {
        var meta = new ControlMeta(c.Id, c.RequestedBy);
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
        var bypass = Bool(root, "risk_bypass");
        if (c.Command == ControlCommandKind.ManualOrder)
        {
            var conId = Contract(root, contracts);
            var side = Text(root, "side")?.ToLowerInvariant() switch
            {
                "buy" => Side.Buy,
                "sell" => Side.Sell,
                var other => throw new FormatException($"side: expected buy or sell, got '{other}'"),
            };
            var qty = Int(root, "quantity") ?? throw new FormatException("quantity: required");
            if (qty <= 0) throw new FormatException($"quantity: must be > 0, got {qty}");
            var type = (Text(root, "type") ?? "mkt").ToLowerInvariant() switch
            {
                "mkt" or "market" => OrderType.Market,
                "lmt" or "limit" => OrderType.NewLimit(Number(root, "limit") is { } l && l > 0 ? l : throw new FormatException("limit: required (> 0) for a lmt order")),
                var other => throw new FormatException($"type: expected mkt or lmt, got '{other}'"),
            };
            return EventPayload.NewManualOrderRequested(new ManualOrder($"{cfg.RunId}-man{c.Id}", conId, side, qty, type, bypass, meta));
        }
        if (c.Command == ControlCommandKind.Rebalance)
        {
            if (!root.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Array || targets.GetArrayLength() == 0)
                throw new FormatException("targets: required, a non-empty array of {contract|con_id, quantity}");
            var list = new List<Tuple<ContractId, int>>();
            foreach (var t in targets.EnumerateArray())
                list.Add(Tuple.Create(Contract(t, contracts), Int(t, "quantity") ?? throw new FormatException("targets[].quantity: required")));
            return EventPayload.NewRebalanceRequested(new Rebalance($"{cfg.RunId}-reb{c.Id}", ListModule.OfSeq(list), bypass, meta));
        }
        throw new FormatException($"unsupported command {c.Command}");
    }

    private static JsonDocument Document(string json)
    {
        try
        {
            var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException("arguments must be a JSON object");
            return doc;
        }
        catch (JsonException e)
        {
            throw new FormatException($"arguments are not valid JSON: {e.Message}");
        }
    }

    private static ContractId Contract(JsonElement e, ContractTable contracts)
    {
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

    private static int? Int(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static double? Number(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static bool Bool(JsonElement e, string key) => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True;
}
