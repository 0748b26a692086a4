using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

/// <summary>A contract as the operator names it: the daemon's description ("XYZ", "XYZ 20260320 C 100") or a con id.</summary>
internal sealed record ContractName(string? Description, long? ConId)
{
    public static ContractName Parse(string text)
    {
        var t = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (t.Length == 0) throw new FormatException("contract: empty");
        return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? new ContractName(null, id)
            : new ContractName(t, null);
    }

    public override string ToString() => Description ?? $"con {ConId}";

    public void WriteTo(JsonObject o)
    {
        if (ConId is { } id) o["con_id"] = id;
        else o["contract"] = Description;
    }
}

/// <summary>What the operator asks for, before it becomes a control row. Console and CLI build the same thing.</summary>
internal abstract record ControlRequest
{
    public sealed record ManualOrder(ContractName Contract, TradeSide Side, int Quantity, double? Limit, bool RiskBypass, bool AdjustsStrategy) : ControlRequest;

    public sealed record Rebalance(IReadOnlyList<(ContractName Contract, int Quantity)> Targets, bool RiskBypass) : ControlRequest;

    public sealed record Cancel(string RunOrOrderRef) : ControlRequest;

    public sealed record ConfirmBook(IReadOnlyList<(ContractName Contract, int Quantity)> Legs) : ControlRequest;

    public sealed record Simple(ControlCommandKind Kind) : ControlRequest;
}

/// <summary>
/// Control requests → (kind, args_json) in the shared contract the daemon reads (Bifrost.Daemon/Control/ControlArgs.cs),
/// and the words that say exactly what each will do. Pure; parse errors are <see cref="FormatException"/>s naming the field.
/// </summary>
internal static partial class ControlRequests
{
    public static (ControlCommandKind Kind, string ArgsJson) ToRow(ControlRequest request)
    {
        switch (request)
        {
            case ControlRequest.ManualOrder m:
            {
                var o = new JsonObject();
                m.Contract.WriteTo(o);
                o["side"] = m.Side == TradeSide.Buy ? "buy" : "sell";
                o["quantity"] = m.Quantity;
                o["type"] = m.Limit is null ? "mkt" : "lmt";
                if (m.Limit is { } l) o["limit"] = l;
                o["risk_bypass"] = m.RiskBypass;
                o["adjusts_strategy"] = m.AdjustsStrategy;
                return (ControlCommandKind.ManualOrder, o.ToJsonString());
            }
            case ControlRequest.Rebalance r:
                return (ControlCommandKind.Rebalance, new JsonObject
                {
                    ["targets"] = Legs(r.Targets),
                    ["risk_bypass"] = r.RiskBypass,
                }.ToJsonString());
            case ControlRequest.Cancel c:
                var key = c.RunOrOrderRef.StartsWith("oi_", StringComparison.Ordinal) ? "order_ref" : "run_id";
                return (ControlCommandKind.Cancel, new JsonObject { [key] = c.RunOrOrderRef }.ToJsonString());
            case ControlRequest.ConfirmBook b:
                return (ControlCommandKind.ConfirmBook, new JsonObject { ["legs"] = Legs(b.Legs) }.ToJsonString());
            case ControlRequest.Simple s:
                return (s.Kind, "{}");
            default:
                throw new ArgumentOutOfRangeException(nameof(request));
        }
    }

    private static JsonArray Legs(IReadOnlyList<(ContractName Contract, int Quantity)> legs)
    {
        var array = new JsonArray();
        foreach (var (contract, qty) in legs)
        {
            var o = new JsonObject();
            contract.WriteTo(o);
            o["quantity"] = qty;
            array.Add(o);
        }
        return array;
    }

    public static TradeSide ParseSide(string text) => text.ToLowerInvariant() switch
    {
        "buy" or "b" => TradeSide.Buy,
        "sell" or "s" => TradeSide.Sell,
        _ => throw new FormatException($"side: expected buy or sell, got '{text}'"),
    };

    /// <summary>A whole number of shares/contracts, 1 … 10,000,000. A comma or underscore only between thousands
    /// groups ("1,000", "10_000"): "1,5" is one and a half in half of Europe, never 15.</summary>
    public static int ParseQuantity(string field, string text, bool allowZeroOrNegative = false)
    {
        if (!WholeNumber().IsMatch(text)
            || !int.TryParse(text.Replace("_", "").Replace(",", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var q))
            throw new FormatException($"{field}: expected a whole number, got '{text}' (a comma only between thousands: 1,000)");
        if (!allowZeroOrNegative && (q <= 0 || q > 10_000_000))
            throw new FormatException($"{field}: must be from 1 to 10,000,000, got {q}");
        if (allowZeroOrNegative && Math.Abs((long)q) > 10_000_000)
            throw new FormatException($"{field}: must be within ±10,000,000, got {q}");
        return q;
    }

    [GeneratedRegex(@"^[+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+|[0-9]{1,3}(_[0-9]{3})+)\z")]
    private static partial Regex WholeNumber();

    public static double ParsePrice(string field, string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || !double.IsFinite(p) || p <= 0 || p > 1e7)
            throw new FormatException($"{field}: expected a price > 0, got '{text}'");
        return p;
    }

    /// <summary>SYMBOL=QTY (the symbol may contain spaces: "XYZ 20260320 C 100=2"; QTY may be 0 or negative).</summary>
    public static (ContractName Contract, int Quantity) ParseTarget(string text, string option = "--target")
    {
        var eq = text.LastIndexOf('=');
        if (eq <= 0 || eq == text.Length - 1) throw new FormatException($"{option}: expected SYMBOL=QTY, got '{text}'");
        return (ContractName.Parse(text[..eq]), ParseQuantity($"{option} quantity", text[(eq + 1)..].Trim(), allowZeroOrNegative: true));
    }

    /// <summary>Parses every SYMBOL=QTY and refuses a contract given twice: each target is sized from the same current
    /// position, so XYZ=-55 and XYZ=-60 together would trade the sum of both, neither target.</summary>
    public static List<(ContractName Contract, int Quantity)> ParseTargets(IEnumerable<string> texts, string option = "--target")
    {
        var list = new List<(ContractName Contract, int Quantity)>();
        foreach (var text in texts)
        {
            var target = ParseTarget(text, option);
            if (list.Any(t => t.Contract == target.Contract)) throw new FormatException($"{option}: {target.Contract} given twice (one target per contract)");
            list.Add(target);
        }
        return list;
    }

    /// <summary>One line that says exactly what the row asks the daemon to do.</summary>
    public static string Describe(ControlRequest request) => request switch
    {
        ControlRequest.ManualOrder m =>
            $"{(m.Side == TradeSide.Buy ? "BUY" : "SELL")} {m.Quantity.ToString("N0", CultureInfo.InvariantCulture)} {m.Contract} "
            + (m.Limit is { } l ? $"LMT {l.ToString("0.00##", CultureInfo.InvariantCulture)}" : "MKT")
            + (m.AdjustsStrategy ? ", adjusts the strategy's holdings" : ", the operator's own (external) position")
            + (m.RiskBypass ? ", RISK BYPASS (the strategy's risk limits are skipped; the fat-finger ceiling still applies)" : ""),
        ControlRequest.Rebalance r =>
            "rebalance the strategy-owned book to " + string.Join(", ", r.Targets.Select(t => $"{t.Contract} = {t.Quantity.ToString(CultureInfo.InvariantCulture)}"))
            + (r.RiskBypass ? ", RISK BYPASS" : ""),
        ControlRequest.Cancel c => c.RunOrOrderRef.StartsWith("oi_", StringComparison.Ordinal)
            ? $"cancel order {c.RunOrOrderRef} if it is still working"
            : $"cancel every working order of run {c.RunOrOrderRef}",
        ControlRequest.ConfirmBook b =>
            "confirm the strategy-owned option book as " + string.Join(", ", b.Legs.Select(t => $"{t.Contract} = {t.Quantity.ToString(CultureInfo.InvariantCulture)}")),
        ControlRequest.Simple s => ControlTexts.Title(s.Kind),
        _ => request.ToString()!,
    };

    /// <summary>Notional of a manual order at its limit, else at the market price the status snapshot shows (null: unknown).</summary>
    public static double? Notional(ControlRequest.ManualOrder m, double? marketPrice, double multiplier) =>
        (m.Limit ?? marketPrice) is { } p && double.IsFinite(p) ? p * m.Quantity * multiplier : null;

    /// <summary>The JSON a row carries, for display (compact).</summary>
    public static string Compact(string json)
    {
        try
        {
            return JsonNode.Parse(json)?.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) ?? json;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) // InvalidOperation: a lone \uXXXX surrogate
        {
            return json;
        }
    }
}
