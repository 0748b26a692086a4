namespace Bifrost.Ib.Messages.Model;

/// <summary>One fill as execDetails reports it (reference §6.9). <see cref="Time"/> stays raw text: its format varies.</summary>
public sealed record IbExecution
{
    public int OrderId { get; init; }
    /// <summary>Unique per fill; a correction changes only the digits after the last '.'.</summary>
    public string ExecId { get; init; } = "";
    public string Time { get; init; } = "";
    public string AcctNumber { get; init; } = "";
    public string Exchange { get; init; } = "";
    /// <summary>BOT or SLD.</summary>
    public string Side { get; init; } = "";
    public decimal? Shares { get; init; }
    public double Price { get; init; }
    public long PermId { get; init; }
    public int ClientId { get; init; }
    public int Liquidation { get; init; }
    public decimal? CumQty { get; init; }
    public double AvgPrice { get; init; }
    public string OrderRef { get; init; } = "";
    public string EvRule { get; init; } = "";
    public double? EvMultiplier { get; init; }
    public string ModelCode { get; init; } = "";
    /// <summary>1 added, 2 removed, 3 routed out.</summary>
    public int LastLiquidity { get; init; }
    public bool PendingPriceRevision { get; init; }
}
