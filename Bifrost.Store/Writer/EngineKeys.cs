namespace Bifrost.Store.Writer;

/// <summary>Well-known engine_state keys.</summary>
public static class EngineKeys
{
    /// <summary>Next IB order id the daemon may use (high-water mark; see <see cref="StoreWrite.OrderIdHighWater"/>).</summary>
    public const string NextOrderId = "next_order_id";

    public const string RunSequence = "run_sequence";
}
