namespace Bifrost.Sim.Broker;

/// <summary>What the simulated broker reports; each interpreter (gateway, backtest) translates these.</summary>
public abstract record BrokerEvent(long TimeNanos);

public sealed record OrderAcknowledged(long TimeNanos, SimOrder Order) : BrokerEvent(TimeNanos);
public sealed record OrderExecuted(long TimeNanos, SimExecution Execution) : BrokerEvent(TimeNanos);
public sealed record OrderCancelled(long TimeNanos, SimOrder Order) : BrokerEvent(TimeNanos);
/// <summary>A refused order or cancel, with IB's error code (201 reject, 103 duplicate id, 10147 unknown order…).</summary>
public sealed record OrderRefused(long TimeNanos, SimOrderRequest Request, int ClientId, int OrderId, int Code, string Message) : BrokerEvent(TimeNanos);
