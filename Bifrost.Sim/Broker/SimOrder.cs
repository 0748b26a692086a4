namespace Bifrost.Sim.Broker;

public enum SimOrderStatus { PendingSubmit, Submitted, Filled, Cancelled, Rejected }

/// <summary>What a client asked for (placeOrder), whichever interpreter it came from.</summary>
public sealed record SimOrderRequest(
    int ClientId, int OrderId, int ConId, int Side, int Quantity, bool IsLimit, double LimitPrice, string Tif, string OrderRef, string Account);

/// <summary>A working or finished order inside the simulated broker.</summary>
public sealed class SimOrder(SimOrderRequest request, long permId, long placedAt, long ackAt, long activeAt)
{
    public SimOrderRequest Request { get; } = request;
    public long PermId { get; } = permId;
    public long PlacedAt { get; } = placedAt;
    public long AckAt { get; } = ackAt;
    public long ActiveAt { get; } = activeAt;
    public SimOrderStatus Status { get; internal set; } = SimOrderStatus.PendingSubmit;
    public int Filled { get; internal set; }
    public double AvgPrice { get; internal set; }
    public double LastFillPrice { get; internal set; }
    /// <summary>Held by the broker (fault injection: <see cref="SimulatedBroker.HoldNextOrder"/>): working, but neither
    /// acknowledged nor matched until <see cref="SimulatedBroker.ReleaseHeld"/>.</summary>
    public bool Held { get; internal set; }
    public int Remaining => Request.Quantity - Filled;
    public bool IsWorking => Status is SimOrderStatus.PendingSubmit or SimOrderStatus.Submitted;
    public string StatusText => Status switch
    {
        SimOrderStatus.PendingSubmit => "PreSubmitted",
        SimOrderStatus.Submitted => "Submitted",
        SimOrderStatus.Filled => "Filled",
        SimOrderStatus.Cancelled => "Cancelled",
        _ => "Inactive",
    };
}

/// <summary>One execution, with the commission charged and the mid at the time (for slippage).</summary>
public sealed record SimExecution(
    string ExecId, SimOrder Order, int Quantity, double Price, long TimeNanos, int CumQuantity, double AvgPrice, double Commission, double MidAtFill);
