using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Logging;

// Stable event ids per subsystem, so journal filters and alerts survive message rewording:
//   1xxx engine loop · 2xxx broker (IB) · 3xxx store · 4xxx control · 5xxx startup/config · 6xxx systemd
internal static partial class Log
{
    // ---- engine
    [LoggerMessage(EventId = 1016, Level = LogLevel.Information, Message = "calendar {Zone} {Open}-{Close}: next closed weekday {Holiday}, next half day {HalfDay}")]
    public static partial void CalendarAhead(ILogger logger, string zone, string open, string close, string holiday, string halfDay);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "engine started: run {RunId}, {Orders} orders and {Holdings} holdings restored, order id high-water {HighWater}")]
    public static partial void EngineStarted(ILogger logger, string runId, int orders, int holdings, int highWater);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "state {From} -> {To}")]
    public static partial void FsmChanged(ILogger logger, string from, string to);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "order {Side} {Quantity} {Contract} ({Purpose}) sent: {OrderRef} ib#{IbOrderId}")]
    public static partial void OrderSent(ILogger logger, string side, int quantity, string contract, string purpose, string orderRef, int ibOrderId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "order {OrderRef} ib#{IbOrderId} not sent: {Reason}")]
    public static partial void OrderNotSent(ILogger logger, string orderRef, int ibOrderId, string reason);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "fill {Side} {Quantity} {Contract} @ {Price}: {OrderRef} exec {ExecId}")]
    public static partial void Fill(ILogger logger, string side, int quantity, string contract, double price, string orderRef, string execId);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "reconciliation: {Detail}")]
    public static partial void Reconciliation(ILogger logger, string detail);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "decision: {Detail}")]
    public static partial void Decision(ILogger logger, string detail);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Warning, Message = "keeping the order path warm failed, stopped for this session (orders are not affected): {Error}")]
    public static partial void OrderPathWarmFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "exit {Code} requested by the engine")]
    public static partial void ExitRequested(ILogger logger, int code);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "alert {Severity} {Code}: {Message}")]
    public static partial void Alert(ILogger logger, string severity, string code, string message);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "stop requested by {Who}; waiting up to {Seconds:F0}s for the engine to finish")]
    public static partial void StopRequested(ILogger logger, string who, double seconds);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "the engine did not exit within the stop timeout; exiting anyway")]
    public static partial void StopTimedOut(ILogger logger);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Critical, Message = "engine loop failed; the daemon stops (crash-only: the supervisor restarts it)")]
    public static partial void EngineCrashed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning, Message = "the host's clock stepped {Seconds:+0.###;-0.###} s against the engine's: a step back is not followed (the engine keeps its own time), a step forward is")]
    public static partial void ClockStepped(ILogger logger, double seconds);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "engine input channel full: {Input} dropped")]
    public static partial void InputDropped(ILogger logger, string input);

    // ---- broker
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "connected to {Host}:{Port} as client {ClientId}, server version {ServerVersion}, accounts {Accounts}; requests written by {Writer}")]
    public static partial void Connected(ILogger logger, string host, int port, int clientId, int serverVersion, string accounts, string writer);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "connection to {Host}:{Port} failed (attempt {Attempt}): {Reason}; retrying in {DelayMs} ms")]
    public static partial void ConnectFailed(ILogger logger, string host, int port, int attempt, string reason, long delayMs);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "connection to {Host}:{Port} failed during the TWS restart window (attempt {Attempt}): {Reason}; retrying in {DelayMs} ms")]
    public static partial void ConnectFailedInRestartWindow(ILogger logger, string host, int port, int attempt, string reason, long delayMs);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "disconnected from the broker: {Reason}")]
    public static partial void Disconnected(ILogger logger, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "broker message {Code} (id {Id}): {Message}")]
    public static partial void BrokerMessage(ILogger logger, int code, int id, string message);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "broker error {Code} (id {Id}): {Message}")]
    public static partial void BrokerError(ILogger logger, int code, int id, string message);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "resolved {Spec} to contract id {ConId}")]
    public static partial void ContractResolved(ILogger logger, string spec, int conId);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "{Key}: contract {ConId} is {Terms} at the broker, as configured")]
    public static partial void ContractVerified(ILogger logger, string key, int conId, string terms);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "IB client: {Message}")]
    public static partial void IbLibrary(ILogger logger, string message);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "start-up not answered by the broker: {Reason}; reconnecting and trying again in {DelayMs} ms")]
    public static partial void StartUnanswered(ILogger logger, string reason, long delayMs);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Critical, Message = "the engine has not started: {Reason}")]
    public static partial void NotStarted(ILogger logger, string reason);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "execution {ExecId} (order ref '{OrderRef}', {Side} {Shares} {Symbol} (contract {ConId}) @ {Price}) not taken: unreadable (no exec id, side or contract, no positive quantity, or a price no trade has); its order is settled by the account's reconciliation")]
    public static partial void ExecutionUnreadable(ILogger logger, string execId, string orderRef, string side, string shares, string symbol, int conId, double price);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "broker clock synchronised: {BrokerTime:O}")]
    public static partial void ClockSynced(ILogger logger, DateTime brokerTime);

    // ---- store
    [LoggerMessage(EventId = 3001, Level = LogLevel.Critical, Message = "store writes failing: {Error}; new orders blocked")]
    public static partial void StoreFailing(ILogger logger, string error);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "store writes recovered")]
    public static partial void StoreRecovered(ILogger logger);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "store refused an item: {Item}: {Error}")]
    public static partial void StoreRejected(ILogger logger, string item, string error);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "{Count} journaled order(s) missing from the store were recovered into it")]
    public static partial void JournalRecovered(ILogger logger, int count);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "the last daemon did not exit cleanly (last heartbeat {LastBeat}): rebuilding from the store and reconciling")]
    public static partial void UncleanExit(ILogger logger, string lastBeat);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Critical, Message = "engine memory kept beside the store in {Path} (the store did not take it: {Error}); the next start puts it into the store")]
    public static partial void MemoryKeptAside(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Critical, Message = "engine memory NOT saved, in the store or beside it ({Error}): the next start will not know {What}")]
    public static partial void MemoryLost(ILogger logger, string error, string what);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "pending engine memory from the last run {Outcome}: {Path}")]
    public static partial void PendingMemoryMerged(ILogger logger, string outcome, string path);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Critical, Message = "store queue full: writes are being refused; new orders blocked")]
    public static partial void StoreQueueFull(ILogger logger);

    // ---- control
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "control #{Id} {Command} by {RequestedBy} claimed")]
    public static partial void ControlClaimed(ILogger logger, long id, string command, string requestedBy);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "control #{Id} {Command} refused: {Reason}")]
    public static partial void ControlRefused(ILogger logger, long id, string command, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "control #{Id} completed: {Outcome} {Result}")]
    public static partial void ControlCompleted(ILogger logger, long id, string outcome, string result);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "{Count} control command(s) abandoned by a previous daemon were refused")]
    public static partial void ControlAbandoned(ILogger logger, int count);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "control queue unavailable: {Error}")]
    public static partial void ControlQueueFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "control #{Id} could not be read: refused, nothing done")]
    public static partial void ControlUnreadable(ILogger logger, long id, Exception error);

    // ---- startup
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "bifrost-daemon {Mode} run {RunId}, account {Account}, store {Store}, broker {Host}:{Port} client {ClientId}, clock {Clock}")]
    public static partial void Starting(ILogger logger, string mode, string runId, string account, string store, string host, int port, int clientId, string clock);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Critical, Message = "refusing to start: {Reason}")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "daemon exiting with code {Code}")]
    public static partial void Exiting(ILogger logger, int code);

    // ---- shutdown and hardening (t10: 57xx)
    [LoggerMessage(EventId = 5701, Level = LogLevel.Error, Message = "final flush: {Count} store write(s) not committed within {Seconds} s ({Reason}); exiting without them")]
    public static partial void FinalFlushIncomplete(ILogger logger, int count, double seconds, string reason);

    [LoggerMessage(EventId = 5702, Level = LogLevel.Warning, Message = "stop received ({Who}): no new order leaves from now on")]
    public static partial void OrdersClosed(ILogger logger, string who);

    [LoggerMessage(EventId = 5703, Level = LogLevel.Warning, Message = "order {OrderRef} not sent: the daemon is stopping")]
    public static partial void OrderHeldAtStop(ILogger logger, string orderRef);

    [LoggerMessage(EventId = 5704, Level = LogLevel.Information, Message = "stop: waiting up to {Seconds} s for the commission of {Count} fill(s)")]
    public static partial void AwaitingCommissions(ILogger logger, int count, double seconds);

    [LoggerMessage(EventId = 5705, Level = LogLevel.Warning, Message = "stop: commission still missing for {Count} fill(s) ({Fills}); the next start fills it in from the broker's executions")]
    public static partial void CommissionsMissing(ILogger logger, int count, string fills);

    [LoggerMessage(EventId = 5706, Level = LogLevel.Information, Message = "stop: every fill has its commission ({Count} arrived while waiting)")]
    public static partial void CommissionsComplete(ILogger logger, int count);

    // ---- systemd
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "systemd notify socket {Socket}, watchdog {Watchdog}")]
    public static partial void Systemd(ILogger logger, string socket, string watchdog);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "SIGHUP received and ignored: the daemon has no configuration reload; stop it with systemctl stop (SIGTERM) or the stop control, then start it")]
    public static partial void HangupIgnored(ILogger logger);
}
