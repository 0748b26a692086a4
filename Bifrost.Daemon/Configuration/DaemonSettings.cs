using Bifrost.Daemon.Alerts;
using Bifrost.Domain;

namespace Bifrost.Daemon.Configuration;

/// <summary>Where "now" comes from. <see cref="System"/> for TWS / IB Gateway; <see cref="Broker"/> follows the broker's
/// clock (reqCurrentTime), which the replay gateway runs on its simulated session time.</summary>
public enum ClockSource { System, Broker }

/// <summary>The "connection" section: the TWS / IB Gateway (or replay gateway) socket.</summary>
/// <param name="DedicatedSender">`connection.dedicated_sender`: requests to TWS are written by one background thread
/// in queue order, so the engine is free as soon as an order is journaled and encoded (off: the engine's own call
/// writes the socket).</param>
public sealed record ConnectionSettings(string Host, int Port, int ClientId, bool AllowRemote, TimeSpan ConnectTimeout, bool DedicatedSender = false);

/// <summary>The "store" section. <paramref name="RetentionDays"/>: guard-block operations older than this are pruned
/// (position-changing rows never are); <paramref name="FinalFlush"/>: how long a stop waits for the last writes;
/// <paramref name="CommissionWait"/>: how long a stop waits for the commission reports of this session's fills.</summary>
public sealed record StoreSettings(string Path, Bifrost.Store.Durability Durability, int RetentionDays = 30, TimeSpan FinalFlush = default,
    TimeSpan? CommissionWait = null)
{
    public const double DefaultCommissionWaitSeconds = 3;
    public const double MaxCommissionWaitSeconds = 60;
}

/// <summary>The "daemon" section: timers, backoff, clock. Every key has a default.</summary>
public sealed record DaemonTimings(
    ClockSource Clock,
    TimeSpan ClockPoll,
    TimeSpan ReconnectMin,
    TimeSpan ReconnectMax,
    TimeSpan ControlPoll,
    TimeSpan HistoryEvery,
    int ChannelCapacity,
    /// <summary>Daily TWS restart window as local minutes of the calendar zone (start, end), or null.</summary>
    (int Start, int End)? RestartWindow)
{
    /// <summary>`daemon.clock_step_seconds`: a move of the host's wall clock against the engine's (monotonic) time
    /// larger than this is a step (CLOCK_STEPPED: the engine pauses for the operator). System clock only.</summary>
    public TimeSpan ClockStepTolerance { get; init; } = TimeSpan.FromSeconds(DefaultClockStepSeconds);

    public const double DefaultClockStepSeconds = 2;

    /// <summary>`daemon.control_max_age_seconds`: how old a command that trades or starts trading may be when the
    /// daemon takes it (older: refused, expired).</summary>
    public TimeSpan ControlMaxAge { get; init; } = TimeSpan.FromSeconds(DefaultControlMaxAgeSeconds);

    public const double DefaultControlMaxAgeSeconds = 60;
}

/// <summary>Everything the daemon reads from its configuration file (after environment overrides).</summary>
public sealed record DaemonSettings(
    ConnectionSettings Connection,
    StoreSettings Store,
    DaemonTimings Daemon,
    /// <summary>The merged JSON (file + overrides) the domain's ConfigJson parses.</summary>
    string DomainJson,
    /// <summary>The domain config parsed with placeholder ids for instruments without con_id (account, mode, calendar…).</summary>
    Config Preview,
    /// <summary>Instruments the file gives no con_id for: resolved with reqContractDetails after connecting.</summary>
    IReadOnlyList<ContractSpec> Unresolved)
{
    /// <summary>daemon.lock_dir: the directory of the per-account lock (one engine per account per host).</summary>
    public string LockDirectory { get; init; } = Bifrost.Store.Locking.AccountLock.DefaultDirectory();

    /// <summary>The "alerts" section: where alerts are delivered.</summary>
    public AlertSettings Alerts { get; init; } = AlertSettings.None;

    /// <summary>The "portfolio" section (portfolio runs), or null when the file has none.</summary>
    public Bifrost.Domain.PortfolioRuns.PortfolioSettings? Portfolio { get; init; }
}
