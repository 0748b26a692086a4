using System.Globalization;
using System.Text.Json;

namespace Bifrost.Tui.Model;

/// <summary>A contract of the configured universe (the underlying, an option leg or a portfolio.universe stock) as the
/// daemon's config summary names it.</summary>
internal sealed record ConfiguredContract(long ConId, string Description, bool IsUnderlying, int Multiplier, int Quantity);

/// <summary>
/// The configuration in force as the daemon reports it in its status row (config_json): mode, account, the underlying and
/// the legs, the control settings. Anything missing or malformed reads as unknown (never guessed): a contract the summary
/// does not name stays unnamed, a ceiling it does not report is shown as "not reported".
/// </summary>
internal sealed record DaemonConfig(string Mode, string? Account, ConfiguredContract? Underlying, IReadOnlyList<ConfiguredContract> Legs, ControlSettings Control)
{
    /// <summary>The portfolio.universe stocks: named, and confirmable after a run's order filled unseen; never in
    /// <see cref="Contracts"/> (the ticket and the rebalance trade the scalper's contracts only).</summary>
    public IReadOnlyList<ConfiguredContract> PortfolioStocks { get; init; } = [];

    public static readonly DaemonConfig Unknown = new("unknown", null, null, [], ControlSettings.Defaults);

    public bool IsLive => Mode == "live";

    /// <summary>The underlying first, then the legs: what the order ticket and the rebalance screen offer.</summary>
    public IReadOnlyList<ConfiguredContract> Contracts => Underlying is { } u ? [u, .. Legs] : Legs;

    public ConfiguredContract? Find(long conId) => Contracts.FirstOrDefault(c => c.ConId == conId) ?? PortfolioStocks.FirstOrDefault(c => c.ConId == conId);

    public ConfiguredContract? Find(string description) =>
        Contracts.FirstOrDefault(c => string.Equals(c.Description, Normalise(description), StringComparison.OrdinalIgnoreCase));

    public static string Normalise(string text) => string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    public static DaemonConfig Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return Unknown;
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Unknown;
            var symbol = Text(root, "underlying");
            ConfiguredContract? underlying = symbol is not null && Long(root, "underlying_con_id") is { } uid
                ? new ConfiguredContract(uid, symbol, true, 1, 0)
                : null;
            var legs = new List<ConfiguredContract>();
            if (root.TryGetProperty("legs", out var ls) && ls.ValueKind == JsonValueKind.Array)
            {
                foreach (var l in ls.EnumerateArray())
                {
                    if (l.ValueKind != JsonValueKind.Object || Long(l, "con_id") is not { } id) continue;
                    var description = Text(l, "contract") ?? LegDescription(symbol, l);
                    if (description is null) continue;
                    legs.Add(new ConfiguredContract(id, description, false, (int)(Long(l, "multiplier") ?? 0), (int)(Long(l, "quantity") ?? 0)));
                }
            }
            var stocks = new List<ConfiguredContract>();
            if (root.TryGetProperty("portfolio", out var ps) && ps.ValueKind == JsonValueKind.Array)
                foreach (var p in ps.EnumerateArray())
                    if (p.ValueKind == JsonValueKind.Object && Long(p, "con_id") is { } id && Text(p, "symbol") is { } name)
                        stocks.Add(new ConfiguredContract(id, name, false, 1, 0));
            return new DaemonConfig(Text(root, "mode") ?? "unknown", Text(root, "account"), underlying, legs, ControlSettings.FromConfigJson(json))
            {
                PortfolioStocks = stocks,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) // InvalidOperation: a lone \uXXXX surrogate
        {
            return Unknown;
        }
    }

    // The daemon's own naming (ContractTable): "XYZ 20260320 C 100". Summaries written before legs carried it.
    private static string? LegDescription(string? underlying, JsonElement leg) =>
        underlying is not null && Text(leg, "expiry") is { } expiry && Text(leg, "right") is { } right
            && leg.TryGetProperty("strike", out var k) && k.TryGetDouble(out var strike)
            ? $"{underlying} {expiry} {right} {strike.ToString("0.####", CultureInfo.InvariantCulture)}"
            : null;

    internal static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    internal static long? Long(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    internal static double? Double(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d) ? d : null;
}
