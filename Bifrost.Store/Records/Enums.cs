namespace Bifrost.Store.Records;

// Every enum here is stored as snake_case text (see EnumText) so that a human running `sqlite3` reads words, and so
// that CHECK constraints in the schema name the allowed values.

/// <summary>What an operations row records (R-M4). Past-tense facts written by the daemon.</summary>
public enum OperationKind
{
    Intent, Order, Status, Fill, Cancel, Reject, Control, ControlDone, GuardBlock, RiskHalt, State, Reconcile, Anomaly, Alert,
}

/// <summary>Why a run exists: live trading sessions and one-off actions, or simulator work.</summary>
public enum RunKind { Live, Hedge, Manual, Flatten, Rebalance, Backtest, Sweep }

public enum TradeSide { Buy, Sell }

/// <summary>The traffic light: ok (green), degraded (yellow), blocked (red).</summary>
public enum Health { Ok, Degraded, Blocked }

public enum AlertSeverity { Info, Warning, Critical }

/// <summary>Who owns a position: the strategy (may be hedged or flattened) or someone else (never touched).</summary>
public enum PositionOwner { Strategy, External }

public enum ControlCommandKind { Stop, Pause, Resume, Flatten, SelfCheck, ManualOrder, Rebalance, Cancel, ConfirmBook, PortfolioRun }

/// <summary>pending → taken (claimed by exactly one daemon) → done | refused.</summary>
public enum ControlStatus { Pending, Taken, Done, Refused }
