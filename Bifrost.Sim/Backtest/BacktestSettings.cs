using System.Globalization;
using System.Text.Json;
using Bifrost.Domain;
using Bifrost.Sim.Broker;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Backtest;

/// <summary>The simulator's own knobs: the <c>backtest</c> section of the config file (the engine's parser ignores it).
/// Every key is optional; the defaults are what <c>make run</c> uses.</summary>
public sealed record BacktestSettings
{
    /// <summary>IB client id the simulated orders carry (execution reports name it).</summary>
    public int ClientId { get; init; } = 7;
    /// <summary>A ClockTicked event every this many simulated seconds, on a grid aligned to the epoch.</summary>
    public double ClockSeconds { get; init; } = 1.0;
    /// <summary>Equity curve resolution: the last sample of each bucket is kept; Sharpe uses these increments.</summary>
    public double CurveSeconds { get; init; } = 60.0;
    /// <summary>While the data is silent for longer than this (nights, weekends) the clock skips ahead.</summary>
    public double IdleGapSeconds { get; init; } = 300.0;
    public double AckLatencyMs { get; init; } = 2.0;
    public double FillLatencyMs { get; init; } = 10.0;
    public bool PartialFills { get; init; } = true;
    /// <summary>"ib_fixed" (IB Pro fixed: $0.005/share, $1 minimum, 1% cap; $0.65/contract) or "zero".</summary>
    public string Commission { get; init; } = "ib_fixed";
    /// <summary>Interest on the strategy's cash (the option book's cost, hedge proceeds, fees), continuously compounded
    /// per year; reported as its own P&amp;L line. 0 = the engine's own P&amp;L exactly.</summary>
    public double FinancingRate { get; init; }
    /// <summary>Canonical tick column → the file's column name, for files named differently.</summary>
    public IReadOnlyDictionary<string, string> ColumnMapping { get; init; } = new Dictionary<string, string>();

    public static readonly string[] Keys =
    [
        "client_id", "clock_seconds", "curve_seconds", "idle_gap_seconds", "ack_latency_ms", "fill_latency_ms", "partial_fills",
        "commission", "financing_rate", "column_mapping",
    ];

    public long ClockNanos => (long)Math.Round(ClockSeconds * 1e9);
    public long CurveNanos => (long)Math.Round(CurveSeconds * 1e9);
    public long IdleGapNanos => (long)Math.Round(IdleGapSeconds * 1e9);

    public FillModelOptions FillModel() => new()
    {
        AckLatencyNanos = (long)Math.Round(AckLatencyMs * 1e6),
        FillLatencyNanos = (long)Math.Round(FillLatencyMs * 1e6),
        PartialFillsBySize = PartialFills,
        Commission = Commission == "zero" ? CommissionModel.Zero : CommissionModel.IbFixed,
    };

    public ColumnMapping Mapping() => new(ColumnMapping);

    /// <summary>Reads the <c>backtest</c> section (absent = defaults). Errors name the key, like the engine's parser.</summary>
    public static BacktestSettings Parse(JsonElement root)
    {
        // A repeated key would otherwise pass as its last value (JsonDocument keeps both).
        if (JsonDuplicates.FirstIn(root) is { } repeated) throw new BacktestConfigException($"{repeated}: is given twice (one value per key)");
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("backtest", out var b) || b.ValueKind == JsonValueKind.Null)
            return new BacktestSettings();
        if (b.ValueKind != JsonValueKind.Object) throw new BacktestConfigException("backtest: must be an object");
        foreach (var p in b.EnumerateObject())
            if (Array.IndexOf(Keys, p.Name) < 0)
                throw new BacktestConfigException($"backtest.{p.Name}: unknown key (expected one of {string.Join(", ", Keys)})");
        var d = new BacktestSettings();
        // Every number has a range: outside it a value either breaks the run (a clock step that rounds to 0 ns divides
        // by zero, 1e-9 s never finishes) or silently saturates (1e300 ms of latency behaves like the default).
        var s = d with
        {
            ClientId = (int)Number(b, "client_id", d.ClientId, 0, int.MaxValue, whole: true),
            ClockSeconds = Number(b, "clock_seconds", d.ClockSeconds, MinSeconds, MaxClockSeconds),
            CurveSeconds = Number(b, "curve_seconds", d.CurveSeconds, MinSeconds, MaxCurveSeconds),
            IdleGapSeconds = Number(b, "idle_gap_seconds", d.IdleGapSeconds, MinSeconds, MaxClockSeconds),
            AckLatencyMs = Number(b, "ack_latency_ms", d.AckLatencyMs, 0, MaxLatencyMs),
            FillLatencyMs = Number(b, "fill_latency_ms", d.FillLatencyMs, 0, MaxLatencyMs),
            PartialFills = Bool(b, "partial_fills", d.PartialFills),
            Commission = Text(b, "commission", d.Commission),
            FinancingRate = Number(b, "financing_rate", d.FinancingRate, -MaxFinancingRate, MaxFinancingRate),
            ColumnMapping = Mapping(b),
        };
        if (s.Commission is not ("ib_fixed" or "zero")) throw new BacktestConfigException($"backtest.commission: expected ib_fixed or zero, got '{s.Commission}'");
        return s;
    }

    /// <summary>The documented ranges (README, Backtesting): 1 ms .. 1 year for the clock step (a year: in effect no
    /// clock, as the economic tests use) and the idle gap, 1 ms .. 1 day for the curve step, 0 .. 1 hour of latency,
    /// ±100 % a year of financing. Below 1 ms a run of days takes hours; the upper ends keep every sum of nanoseconds far
    /// from overflowing.</summary>
    public const double MinSeconds = 0.001, MaxClockSeconds = 31_536_000, MaxCurveSeconds = 86_400, MaxLatencyMs = 3_600_000, MaxFinancingRate = 1;

    private static double Number(JsonElement b, string key, double fallback, double min, double max, bool whole = false)
    {
        if (!b.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        if (v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble()))
            throw new BacktestConfigException($"backtest.{key}: must be a number, got {v.ValueKind}");
        var x = v.GetDouble();
        if (whole && x != Math.Floor(x)) throw new BacktestConfigException($"backtest.{key}: must be a whole number");
        if (!(x >= min && x <= max))
            throw new BacktestConfigException($"backtest.{key}: must be in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}], got {v.GetRawText()}");
        return x;
    }

    private static bool Bool(JsonElement b, string key, bool fallback) =>
        !b.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? fallback
        : v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new BacktestConfigException($"backtest.{key}: must be true or false"),
        };

    private static string Text(JsonElement b, string key, string fallback) =>
        !b.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? fallback
        : v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new BacktestConfigException($"backtest.{key}: must be a string");

    private static Dictionary<string, string> Mapping(JsonElement b)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!b.TryGetProperty("column_mapping", out var m) || m.ValueKind == JsonValueKind.Null) return map;
        if (m.ValueKind != JsonValueKind.Object) throw new BacktestConfigException("backtest.column_mapping: must be an object");
        foreach (var p in m.EnumerateObject())
        {
            if (Array.IndexOf(TickSchema.All, p.Name) < 0)
                throw new BacktestConfigException($"backtest.column_mapping.{p.Name}: not a canonical tick column (expected one of {string.Join(", ", TickSchema.All)})");
            if (p.Value.ValueKind != JsonValueKind.String) throw new BacktestConfigException($"backtest.column_mapping.{p.Name}: must be a string");
            map[p.Name] = p.Value.GetString()!;
        }
        return map;
    }
}

/// <summary>A config or sweep file that cannot be used; the message names the key.</summary>
public sealed class BacktestConfigException(string message) : Exception(message);
