namespace Bifrost.Ib.Messages.Model;

/// <summary>The optional delta-neutral underlying of reqMktData/placeOrder/openOrder (flag 1 ⇒ these 3 fields follow).</summary>
public sealed record IbDeltaNeutralContract(int ConId, double Delta, double Price);
