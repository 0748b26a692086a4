using Bifrost.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bifrost.Store.Control;

/// <summary>What acknowledging an alert did.</summary>
public enum AcknowledgeOutcome { Acknowledged, AlreadyAcknowledged, NotFound }

/// <summary>
/// The console's second write (beside the control queue): an operator acknowledges an alert, recorded with who and when
/// (wall clock). Touches only the acknowledgement columns of one alerts row; a second acknowledgement keeps the first.
/// </summary>
public static class AlertAcknowledgement
{
    public static AcknowledgeOutcome Acknowledge(string path, long alertId, string by, long wallNanos, StoreOptions? options = null)
    {
        using var connection = StoreConnection.OpenExisting(path, SqliteOpenMode.ReadWrite, options ?? new StoreOptions());
        try
        {
            using var update = connection.Command("""
                UPDATE alerts SET acknowledged = 1, acknowledged_by = @by, acknowledged_ns = @t WHERE id = @id AND acknowledged = 0
                """, ("@by", by), ("@t", wallNanos), ("@id", alertId));
            if (update.ExecuteNonQuery() == 1) return AcknowledgeOutcome.Acknowledged;
            using var exists = connection.Command("SELECT COUNT(*) FROM alerts WHERE id = @id", ("@id", alertId));
            return Convert.ToInt64(exists.ExecuteScalar()) > 0 ? AcknowledgeOutcome.AlreadyAcknowledged : AcknowledgeOutcome.NotFound;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6 or 8 or 10 or 11 or 14 or 26)
        {
            throw new StoreUnavailableException(path, e.Message, e);
        }
    }
}
