namespace Bifrost.Ib.Messages.Model;

/// <summary>A combo leg as openOrder reports it (8 fields). Kept so manual BAG orders decode without desynchronising.</summary>
public sealed record IbComboLeg(int ConId, int Ratio, string Action, string Exchange, int OpenClose, int ShortSaleSlot,
    string DesignatedLocation, int ExemptCode);
