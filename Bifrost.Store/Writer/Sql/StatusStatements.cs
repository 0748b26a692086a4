using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Writer.Sql;

/// <summary>The current status row and its history share one column list and one value mapping.</summary>
internal sealed class StatusStatements(SqliteConnection c) : IDisposable
{
    private const string Cols = """
        time_ns, fsm_state, health, checks_json, block_reasons_json, positions_json, delta, gamma, vega, theta,
        pnl_realized, pnl_unrealized, pnl_fees, pnl_daily, attr_gamma, attr_theta, attr_vega, attr_delta, attr_residual,
        band_lower, band_upper, band_target, limits_json, connection, market_data, config_json, heartbeat_ns, daemon_pid, run_id,
        account_json, attr_spread, attr_opening, attr_basis, pnl_daily_known
        """;

    private const string Values = """
        @time, @fsm, @health, @checks, @blocks, @positions, @delta, @gamma, @vega, @theta,
        @realized, @unrealized, @fees, @daily, @ag, @at, @av, @ad, @ar,
        @bl, @bu, @bt, @limits, @conn, @md, @config, @heartbeat, @pid, @run,
        @account, @as, @ao, @ab, @dk
        """;

    private readonly Statement _replace = new(c, $"INSERT OR REPLACE INTO status(id, {Cols}) VALUES (1, {Values})");
    private readonly Statement _append = new(c, $"INSERT INTO status_history({Cols}) VALUES ({Values})");
    private readonly Statement _heartbeat = new(c, "UPDATE status SET heartbeat_ns = @heartbeat WHERE id = 1");

    public void Replace(SqliteTransaction tx, StatusSnapshot s) => _replace.Run(tx, ValuesOf(s));

    public void Append(SqliteTransaction tx, StatusSnapshot s) => _append.Run(tx, ValuesOf(s));

    public void Heartbeat(SqliteTransaction tx, long nanos) => _heartbeat.Run(tx, nanos);

    private static object?[] ValuesOf(StatusSnapshot s) =>
    [
        s.TimeNanos, s.FsmState, Columns.Text(s.Health), StoreJson.Serialize(s.Checks), StoreJson.Serialize(s.BlockReasons),
        StoreJson.Serialize(s.Positions), s.NetGreeks.Delta, s.NetGreeks.Gamma, s.NetGreeks.Vega, s.NetGreeks.Theta,
        s.Pnl.Realized, s.Pnl.Unrealized, s.Pnl.Fees, s.Pnl.Daily, s.Pnl.AttrGamma, s.Pnl.AttrTheta, s.Pnl.AttrVega,
        s.Pnl.AttrDelta, s.Pnl.AttrResidual, s.Band?.Lower, s.Band?.Upper, s.Band?.Target, StoreJson.Serialize(s.Limits),
        s.Connection, s.MarketData, s.ConfigSummaryJson, s.HeartbeatNanos, s.DaemonPid, s.RunId,
        StoreJson.Serialize(s.AccountValues), s.Pnl.AttrSpread, s.Pnl.AttrOpening, s.Pnl.AttrBasis,
        s.Pnl.DailyKnown ? 1 : 0,
    ];

    public void Dispose()
    {
        _replace.Dispose();
        _append.Dispose();
        _heartbeat.Dispose();
    }
}
