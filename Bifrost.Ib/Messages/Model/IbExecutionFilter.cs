namespace Bifrost.Ib.Messages.Model;

/// <summary>reqExecutions filter: "" and client id 0 mean "no filter on that attribute" (reference §5.6).</summary>
public sealed record IbExecutionFilter
{
    public int ClientId { get; init; }
    public string AcctCode { get; init; } = "";
    /// <summary>Executions after this time: <c>yyyyMMdd-HH:mm:ss</c> (UTC) or <c>yyyyMMdd HH:mm:ss zone</c>.</summary>
    public string Time { get; init; } = "";
    public string Symbol { get; init; } = "";
    public string SecType { get; init; } = "";
    public string Exchange { get; init; } = "";
    public string Side { get; init; } = "";
}
