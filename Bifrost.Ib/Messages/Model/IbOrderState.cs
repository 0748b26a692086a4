namespace Bifrost.Ib.Messages.Model;

/// <summary>
/// The status/what-if block of openOrder (#93–#107). Margin values stay text: TWS sends MAX_DBL text when not applicable.
/// </summary>
public sealed record IbOrderState
{
    public string Status { get; init; } = "";
    public string InitMarginBefore { get; init; } = "";
    public string MaintMarginBefore { get; init; } = "";
    public string EquityWithLoanBefore { get; init; } = "";
    public string InitMarginChange { get; init; } = "";
    public string MaintMarginChange { get; init; } = "";
    public string EquityWithLoanChange { get; init; } = "";
    public string InitMarginAfter { get; init; } = "";
    public string MaintMarginAfter { get; init; } = "";
    public string EquityWithLoanAfter { get; init; } = "";
    public double? Commission { get; init; }
    public double? MinCommission { get; init; }
    public double? MaxCommission { get; init; }
    public string CommissionCurrency { get; init; } = "";
    public string WarningText { get; init; } = "";
}
