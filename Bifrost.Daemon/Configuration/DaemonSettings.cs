using Bifrost.Domain;

namespace Bifrost.Daemon.Configuration;

/// <summary>Where "now" comes from. <see cref="System"/> for TWS / IB Gateway; <see cref="Broker"/> follows the broker's
/// clock (reqCurrentTime), which the replay gateway runs on its simulated session time.</summary>
public enum ClockSource { System, Broker }

/// <summary>The "connection" section: the TWS / IB Gateway (or replay gateway) socket.</summary>
public sealed record ConnectionSettings(string Host, int Port, int ClientId, bool AllowRemote, TimeSpan ConnectTimeout);

/// <summary>The "store" section.</summary>
public sealed record StoreSettings(string Path, Bifrost.Store.Durability Durability);

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
    (int Start, int End)? RestartWindow);

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
    IReadOnlyList<ContractSpec> Unresolved);
