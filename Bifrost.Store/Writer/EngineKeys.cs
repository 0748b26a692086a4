namespace Bifrost.Store.Writer;

/// <summary>Well-known engine_state keys.</summary>
public static class EngineKeys
{
    /// <summary>Next IB order id the daemon may use (high-water mark; see <see cref="StoreWrite.OrderIdHighWater"/>).</summary>
    public const string NextOrderId = "next_order_id";

    public const string RunSequence = "run_sequence";

    /// <summary>"running" from a daemon's start to its exit, then "stopped": found "running" at the next start, the last
    /// process ended without its exit path (kill -9, a crash, the watchdog, a power loss).</summary>
    public const string Lifecycle = "daemon_lifecycle";
}
