using Bifrost.Store.Records;
using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.ReadModel;

/// <summary>status / status_history row → <see cref="StatusSnapshot"/> (column order fixed by <see cref="Columns"/>).</summary>
internal static class StatusRows
{
    public const string Columns = """
        time_ns, fsm_state, health, checks_json, block_reasons_json, positions_json, delta, gamma, vega, theta,
        pnl_realized, pnl_unrealized, pnl_fees, pnl_daily, attr_gamma, attr_theta, attr_vega, attr_delta, attr_residual,
        band_lower, band_upper, band_target, limits_json, connection, market_data, config_json, heartbeat_ns, daemon_pid, run_id,
        account_json, attr_spread, attr_opening, attr_basis, pnl_daily_known
        """;

    public static StatusSnapshot Read(SqliteDataReader r) => new()
    {
        TimeNanos = r.GetInt64(0),
        FsmState = r.GetString(1),
        Health = EnumText<Health>.Parse(r.GetString(2)),
        Checks = StoreJson.Deserialize<List<CheckResult>>(r.GetString(3), []),
        BlockReasons = StoreJson.Deserialize<List<string>>(r.GetString(4), []),
        Positions = StoreJson.Deserialize<List<PositionEntry>>(r.GetString(5), []),
        NetGreeks = new Greeks(r.GetDouble(6), r.GetDouble(7), r.GetDouble(8), r.GetDouble(9)),
        Pnl = new PnlSnapshot(r.GetDouble(10), r.GetDouble(11), r.GetDouble(12), r.GetDouble(13), r.GetDouble(14),
            r.GetDouble(15), r.GetDouble(16), r.GetDouble(17), r.GetDouble(18), r.GetDouble(30), r.GetDouble(31), r.GetDouble(32),
            r.GetInt64(33) == 1),
        Band = r.IsDBNull(19) ? null : new HedgeBand(r.GetDouble(19), r.GetDouble(20), r.GetDouble(21)),
        Limits = StoreJson.Deserialize<List<LimitUsage>>(r.GetString(22), []),
        Connection = r.GetString(23),
        MarketData = r.GetString(24),
        ConfigSummaryJson = r.GetString(25),
        HeartbeatNanos = r.GetInt64(26),
        DaemonPid = r.GetInt32(27),
        RunId = r.GetStringOrNull(28),
        AccountValues = StoreJson.Deserialize<Dictionary<string, double>>(r.GetString(29), []),
    };
}
