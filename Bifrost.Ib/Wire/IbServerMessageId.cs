namespace Bifrost.Ib.Wire;

/// <summary>Message ids of server → client frames (reference §4). Only the ones this library decodes are listed.</summary>
public static class IbServerMessageId
{
    public const int TickPrice = 1;
    public const int TickSize = 2;
    public const int OrderStatus = 3;
    public const int ErrMsg = 4;
    public const int OpenOrder = 5;
    public const int UpdateAccountValue = 6;
    public const int UpdatePortfolio = 7;
    public const int UpdateAccountTime = 8;
    public const int NextValidId = 9;
    public const int ContractData = 10;
    public const int ExecDetails = 11;
    public const int ManagedAccounts = 15;
    public const int TickOptionComputation = 21;
    public const int TickGeneric = 45;
    public const int TickString = 46;
    public const int CurrentTime = 49;
    public const int ContractDataEnd = 52;
    public const int OpenOrderEnd = 53;
    public const int AccountDownloadEnd = 54;
    public const int ExecDetailsEnd = 55;
    public const int TickSnapshotEnd = 57;
    public const int MarketDataType = 58;
    public const int CommissionReport = 59;
    public const int Position = 61;
    public const int PositionEnd = 62;
    public const int AccountSummary = 63;
    public const int AccountSummaryEnd = 64;
    public const int TickReqParams = 81;
}
