using System.Globalization;
using Bifrost.Sim.Broker;

namespace Bifrost.Sim.Gateway;

public enum ReplayMode { Timed, Max, Step }

/// <summary>How the replay clock runs: timed at a multiple of real time, as fast as the clients can take (max), or
/// only when stepped (control command <c>step N</c> / <see cref="ReplayGateway.StepAsync"/>).</summary>
public readonly record struct ReplaySpeed(ReplayMode Mode, double Multiplier)
{
    public static ReplaySpeed RealTime => new(ReplayMode.Timed, 1);
    public static ReplaySpeed Max => new(ReplayMode.Max, 1);
    public static ReplaySpeed Step => new(ReplayMode.Step, 0);
    public static ReplaySpeed Times(double n) => new(ReplayMode.Timed, n);

    /// <summary>Parses <c>N</c> (a positive multiple of real time), <c>max</c> or <c>step</c>.</summary>
    public static ReplaySpeed Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "max" => Max,
        "step" => Step,
        var t when double.TryParse(t.TrimEnd('x'), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && double.IsFinite(n) => Times(n),
        _ => throw new FormatException($"speed must be a positive number, 'max' or 'step', got '{text}'"),
    };

    public override string ToString() => Mode switch
    {
        ReplayMode.Max => "max",
        ReplayMode.Step => "step",
        _ => Multiplier.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>A position held before the session starts: contract text (<c>XYZ</c>, <c>XYZ 20260320 C 100</c>) or conId,
/// signed quantity, and average cost per unit (NaN: the first mid of the replay).</summary>
public sealed record SeedPosition(string Contract, int Quantity, double AvgCost)
{
    /// <summary><c>SYMBOL:QTY[@COST]</c>, e.g. <c>XYZ:100</c>, <c>XYZ 20260320 C 100:-5@2.35</c>.</summary>
    public static SeedPosition Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0) throw new FormatException($"seed position must be SYMBOL:QTY[@COST], got '{text}'");
        var rest = text[(colon + 1)..];
        var at = rest.IndexOf('@');
        var qtyText = at < 0 ? rest : rest[..at];
        if (!int.TryParse(qtyText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var qty))
            throw new FormatException($"seed position quantity must be an integer, got '{qtyText}'");
        var cost = double.NaN;
        if (at >= 0 && !double.TryParse(rest[(at + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out cost))
            throw new FormatException($"seed position cost must be a number, got '{rest[(at + 1)..]}'");
        // NaN means "the first mid" only when no cost is given; a written cost must be a real price.
        if (at >= 0 && !(double.IsFinite(cost) && cost >= 0))
            throw new FormatException($"seed position cost must be a finite number >= 0, got '{rest[(at + 1)..]}'");
        return new SeedPosition(text[..colon].Trim(), qty, cost);
    }
}

/// <summary>Everything the replay gateway is configured with; defaults suit a demo on the paper port.</summary>
public sealed record GatewayOptions
{
    /// <summary>The Parquet tick file to replay (canonical tick schema).</summary>
    public required string DataPath { get; init; }
    /// <summary>TCP port on 127.0.0.1; 0 = ephemeral (see <see cref="ReplayGateway.Port"/>).</summary>
    public int Port { get; init; } = 7497;
    /// <summary>Line-based control port on 127.0.0.1 (null = none, 0 = ephemeral).</summary>
    public int? ControlPort { get; init; }
    public ReplaySpeed Speed { get; init; } = ReplaySpeed.RealTime;
    /// <summary>Replay the file again and again, each pass the next trading day on the virtual clock (see
    /// <see cref="SessionLoop"/>), until stopped or until the next pass would reach the earliest option expiry.</summary>
    public bool Loop { get; init; }
    /// <summary>Exchange holidays a loop pass skips (weekends are always skipped).</summary>
    public IReadOnlyCollection<DateOnly> Holidays { get; init; } = [];
    /// <summary>The paper account every client trades (must start with DU).</summary>
    public string Account { get; init; } = "DU1234567";
    /// <summary>JSON-lines ledger of every order, fill, commission, cancel and reject (null = none).</summary>
    public string? LedgerPath { get; init; }
    public IReadOnlyList<FaultRule> Faults { get; init; } = [];
    public IReadOnlyList<SeedPosition> SeedPositions { get; init; } = [];
    /// <summary>Options described as another series than the standard one, by contract text or conId → trading class: an
    /// adjusted series after a corporate action (<c>XYZ1</c>), whose deliverable is not 100 shares (a test of the daemon's
    /// contract check).</summary>
    public IReadOnlyDictionary<string, string> TradingClasses { get; init; } = new Dictionary<string, string>();
    /// <summary>Acknowledge immediately by default; fills after the fill latency (10 ms of simulated time).</summary>
    public FillModelOptions FillModel { get; init; } = new() { AckLatencyNanos = 0 };
    public double StartingCash { get; init; } = 1_000_000;
    /// <summary>The currency the account's figures are reported in (accountSummary, updateAccountValue): IB reports the
    /// plain tags in the account's base currency. Only the label changes (the amounts stay the simulated ones): a test
    /// of an account whose base currency is not USD.</summary>
    public string BaseCurrency { get; init; } = "USD";
    /// <summary>Settle expiring options at 16:00 New York as the broker does (exercise in the money, lapse out of it);
    /// off, the account keeps showing them (as IB may until its overnight processing).</summary>
    public bool SettleExpiries { get; init; }
    /// <summary>Risk-free rate of the Black–Scholes option computations.</summary>
    public double Rate { get; init; } = 0.05;
    /// <summary>The first nextValidId of a client id never seen before.</summary>
    public int FirstOrderId { get; init; } = 1;
    /// <summary>More than this many messages in a rolling second from one client → error 100.</summary>
    public int PacingLimitPerSecond { get; init; } = 50;
    /// <summary>Close the socket after a pacing violation (TWS may do so).</summary>
    public bool DisconnectOnPacingViolation { get; init; }
    /// <summary>Diagnostics (connections, faults); null = silent.</summary>
    public TextWriter? Log { get; init; }

    public void Validate()
    {
        if (!Account.StartsWith("DU", StringComparison.Ordinal)) throw new ArgumentException($"the replay account must be a paper account starting with DU, got '{Account}'");
        if (Port is < 0 or > 65535) throw new ArgumentException($"port out of range: {Port}");
        if (!File.Exists(DataPath)) throw new FileNotFoundException($"tick file not found: {DataPath}", DataPath);
    }
}
