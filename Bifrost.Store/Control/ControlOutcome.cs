namespace Bifrost.Store.Control;

/// <summary>How the daemon finished a claimed command.</summary>
public enum ControlOutcome { Done, Refused }
