namespace Bifrost.Ib.Wire;

/// <summary>Message ids of client → server frames (reference §4). Only the ones this library encodes are listed.</summary>
public static class IbClientMessageId
{
    public const int ReqMktData = 1;
    public const int CancelMktData = 2;
    public const int PlaceOrder = 3;
    public const int CancelOrder = 4;
    public const int ReqOpenOrders = 5;
    public const int ReqAccountUpdates = 6;
    public const int ReqExecutions = 7;
    public const int ReqIds = 8;
    public const int ReqContractDetails = 9;
    public const int ReqAutoOpenOrders = 15;
    public const int ReqAllOpenOrders = 16;
    public const int ReqManagedAccts = 17;
    public const int ReqCurrentTime = 49;
    public const int ReqGlobalCancel = 58;
    public const int ReqMarketDataType = 59;
    public const int ReqPositions = 61;
    public const int ReqAccountSummary = 62;
    public const int CancelAccountSummary = 63;
    public const int CancelPositions = 64;
    public const int StartApi = 71;
}
