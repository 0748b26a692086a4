using Bifrost.Store.Records;

namespace Bifrost.Store.Control;

/// <summary>Which commands go stale. One queued while the daemon was down would otherwise run at its next start,
/// hours or days after the operator decided it, on another market: the daemon refuses those older than
/// daemon.control_max_age_seconds. Stop, pause, cancel and self-check only ever reduce or inspect, and whoever queued
/// them while the daemon was down still wants them.</summary>
public static class ControlExpiry
{
    public static bool Expires(ControlCommandKind kind) => kind is ControlCommandKind.Resume or ControlCommandKind.Flatten
        or ControlCommandKind.ManualOrder or ControlCommandKind.Rebalance or ControlCommandKind.ConfirmBook or ControlCommandKind.PortfolioRun;
}
