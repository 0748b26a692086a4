namespace Bifrost.Ib.Messages;

/// <summary>
/// errMsg codes the daemon and the replay gateway act on (reference §9). Match on the code, never on the text: texts vary
/// across TWS versions. 500–599 are client-side codes that never travel on the wire.
/// </summary>
public static class IbErrorCodes
{
    /// <summary>More than 50 messages per second from this client; TWS may disconnect.</summary>
    public const int MaxRateExceeded = 100;
    /// <summary>Order id not above one already used by this client id: reconcile by orderRef, then use reqIds.</summary>
    public const int DuplicateOrderId = 103;
    /// <summary>Price does not conform to the contract's minimum tick; the order was not placed.</summary>
    public const int PriceIncrementViolation = 110;
    /// <summary>Cancel attempted when the order is not cancellable (race with a fill or another cancel).</summary>
    public const int NotCancellable = 161;
    /// <summary>No security definition found (or ambiguous contract); the request ends without an End message.</summary>
    public const int NoSecurityDefinition = 200;
    /// <summary>Order rejected, reason in the text; the order is rejected.</summary>
    public const int OrderRejected = 201;
    /// <summary>Order cancelled: the normal confirmation of cancelOrder.</summary>
    public const int OrderCancelled = 202;
    /// <summary>Error reading request (malformed frame) — what a gateway answers to bytes it cannot parse.</summary>
    public const int ErrorReadingRequest = 320;
    /// <summary>Error validating request (e.g. unsupported field combination, Read-Only API).</summary>
    public const int ErrorValidatingRequest = 321;
    /// <summary>Client id already in use; the socket is closed after this.</summary>
    public const int ClientIdInUse = 326;
    /// <summary>Client-side: the socket could not connect.</summary>
    public const int ConnectFail = 502;
    /// <summary>Client-side: a request was made while not connected.</summary>
    public const int NotConnected = 504;
    /// <summary>TWS lost its connection to IB: data stale, block new orders, keep the socket.</summary>
    public const int ConnectivityLost = 1100;
    /// <summary>Connectivity restored, market-data subscriptions lost: resubscribe, then reconcile.</summary>
    public const int ConnectivityRestoredDataLost = 1101;
    /// <summary>Connectivity restored, subscriptions kept: reconcile.</summary>
    public const int ConnectivityRestoredDataMaintained = 1102;
    /// <summary>A market-data farm is down.</summary>
    public const int MarketDataFarmBroken = 2103;
    /// <summary>A market-data farm is up (also sent at every connect).</summary>
    public const int MarketDataFarmOk = 2104;
    /// <summary>A historical-data farm is down.</summary>
    public const int HistoricalFarmBroken = 2105;
    /// <summary>A historical-data farm is up (sent at connect).</summary>
    public const int HistoricalFarmOk = 2106;
    /// <summary>A historical-data farm is idle but available on demand.</summary>
    public const int HistoricalFarmInactive = 2107;
    /// <summary>A market-data farm is idle but available on demand.</summary>
    public const int MarketDataFarmInactive = 2108;
    /// <summary>Order event warning: "outside regular trading hours" ignored; the order proceeds.</summary>
    public const int OutsideRthIgnored = 2109;
    /// <summary>TWS ↔ server connectivity broken, restored automatically: treat as 1100.</summary>
    public const int TwsServerConnectivityBroken = 2110;
    /// <summary>The sec-def (contract definition) farm is up (sent at connect).</summary>
    public const int SecDefFarmOk = 2158;

    private static readonly Dictionary<int, string> Meanings = new()
    {
        [MaxRateExceeded] = "max rate of messages per second exceeded",
        [DuplicateOrderId] = "duplicate order id",
        [PriceIncrementViolation] = "price does not conform to the minimum price variation",
        [NotCancellable] = "cancel attempted when order is not in a cancellable state",
        [NoSecurityDefinition] = "no security definition found",
        [OrderRejected] = "order rejected",
        [OrderCancelled] = "order cancelled",
        [ErrorReadingRequest] = "error reading request",
        [ErrorValidatingRequest] = "error validating request",
        [ClientIdInUse] = "client id already in use",
        [ConnectFail] = "could not connect to TWS",
        [NotConnected] = "not connected",
        [ConnectivityLost] = "connectivity between IB and TWS lost",
        [ConnectivityRestoredDataLost] = "connectivity restored, data lost",
        [ConnectivityRestoredDataMaintained] = "connectivity restored, data maintained",
        [MarketDataFarmBroken] = "market data farm connection broken",
        [MarketDataFarmOk] = "market data farm connection OK",
        [HistoricalFarmBroken] = "HMDS data farm connection broken",
        [HistoricalFarmOk] = "HMDS data farm connection OK",
        [HistoricalFarmInactive] = "HMDS data farm connection inactive",
        [MarketDataFarmInactive] = "market data farm connection inactive",
        [OutsideRthIgnored] = "outside-RTH attribute ignored",
        [TwsServerConnectivityBroken] = "connectivity between TWS and server broken",
        [SecDefFarmOk] = "sec-def data farm connection OK",
    };

    /// <summary>A short English meaning for the codes above, or null.</summary>
    public static string? Describe(int code) => Meanings.GetValueOrDefault(code);

    /// <summary>2100–2199 are warnings/informational (farm status etc.), not request failures.</summary>
    public static bool IsInformational(int code) => code is >= 2100 and < 2200;

    /// <summary>Codes that say something about the TWS ↔ IB link rather than about one request.</summary>
    public static bool IsConnectivity(int code) =>
        code is ConnectivityLost or ConnectivityRestoredDataLost or ConnectivityRestoredDataMaintained or TwsServerConnectivityBroken;

    /// <summary>Codes generated inside client libraries; they never travel on the wire.</summary>
    public static bool IsClientSide(int code) => code is >= 500 and < 600;
}
