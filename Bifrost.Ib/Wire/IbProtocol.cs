namespace Bifrost.Ib.Wire;

/// <summary>Protocol-wide constants (reference §0, §2, §3).</summary>
public static class IbProtocol
{
    /// <summary>
    /// The only server version this library speaks. We announce <c>v100..193</c> and refuse anything lower: every encoder
    /// and decoder here is written for the 193 layouts (118-field placeOrder, 141-field openOrder, …). Supporting the 176–192
    /// gates (reference §11) would add version branches to a dozen messages for TWS builds we do not run.
    /// </summary>
    public const int ServerVersion = 193;

    /// <summary>The lowest version we accept from TWS; equal to <see cref="ServerVersion"/> (see there for why).</summary>
    public const int MinServerVersion = 193;

    /// <summary>The lowest version in a client's offer that still means length-prefixed framing.</summary>
    public const int MinClientVersion = 100;

    /// <summary>Official clients drop the connection on payloads above 0xFFFFFF bytes (16 MiB − 1).</summary>
    public const int DefaultMaxFrameBytes = 0xFFFFFF;

    public const int MaxInt = int.MaxValue;
    public const long MaxLong = long.MaxValue;

    /// <summary>Java's spelling of <c>Double.MAX_VALUE</c>, what TWS sends for "not applicable" doubles.</summary>
    public const string MaxDoubleText = "1.7976931348623157E308";

    /// <summary>
    /// Request ids start here so they never collide with order ids in errMsg routing (reference §3.4). Order ids are
    /// not ours to keep small: IB keeps each client id's high-water, and a tool that once used time-based ids left one
    /// at ~1.7e9. At 10,000,000 such an order's errors were taken for request errors and lost; here, at the top of the
    /// int range, order ids stay below (<see cref="Client.IbClient.NextOrderId"/> refuses one here, the daemon halts).
    /// </summary>
    public const int FirstRequestId = 2_000_000_000;
}
