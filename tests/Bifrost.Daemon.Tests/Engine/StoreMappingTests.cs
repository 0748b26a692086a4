using Bifrost.Daemon.Engine;
using Bifrost.Domain;
using DomainAlert = Bifrost.Domain.Trading.Alert;
using DomainKind = Bifrost.Domain.Trading.OperationKind;
using DomainOperation = Bifrost.Domain.Trading.Operation;
using DomainSeverity = Bifrost.Domain.Trading.AlertSeverity;

namespace Bifrost.Daemon.Tests.Engine;

public class StoreMappingTests
{
    private const long Wall = 1_796_000_000_000_000_000;   // the host's clock (Dec 2026)
    private const long Venue = 1_772_461_800_000_000_000;  // the replay session's clock (Mar 2026)

    [Fact]
    public void Operation_ReceiveWallTimeInTimeNs_ReducerTimeAsVenue()
    {
        var row = StoreMapping.Operation(new DomainOperation(Timestamp.NewTimestamp(Venue), DomainKind.FillApplied, "t1", "oi_t1_1", 7, "BUY", 10, 100.5, ""), Wall);
        Assert.Equal((Wall, (long?)Venue), (row.TimeNanos, row.VenueNanos));
    }

    [Fact]
    public void BeforeTheBrokerClockIsKnown_VenueIsNull_NeverA1970Stamp()
    {
        var op = StoreMapping.Operation(new DomainOperation(Timestamp.NewTimestamp(0), DomainKind.FsmChanged, "", "", 0, "", 0, double.NaN, "Starting -> Syncing"), Wall);
        Assert.Equal((Wall, (long?)null), (op.TimeNanos, op.VenueNanos));
        var alert = StoreMapping.Alert(new DomainAlert(Timestamp.NewTimestamp(0), DomainSeverity.Warning, "BROKER_DISCONNECTED", "socket closed"), Wall);
        Assert.Equal((Wall, (long?)null), (alert.TimeNanos, alert.VenueNanos));
    }
}
