using Bifrost.Store.ReadModel;
using Bifrost.Store.Records;
using Bifrost.Store.Tests.Support;

namespace Bifrost.Store.Tests.ReadModel;

public sealed class OperationQueryTests : IDisposable
{
    private readonly TempStore _store = new();
    private readonly StoreReader _reader;

    public OperationQueryTests()
    {
        using (var w = _store.OpenWriter())
        {
            w.Record(Sample.Op(1, OperationKind.Intent));
            w.Record(Sample.Op(2, OperationKind.Order));
            w.Record(Sample.Op(3, OperationKind.Fill, run: "run2"));
            w.Record(Sample.Op(4, OperationKind.Reject));
            w.Record(Sample.Op(5, OperationKind.Alert, run: null) with { OrderRef = null, Side = null, Qty = null, Price = null, ContractId = null });
            w.FlushAsync().GetAwaiter().GetResult();
        }
        _reader = StoreReader.Open(_store.Path);
    }

    public void Dispose()
    {
        _reader.Dispose();
        _store.Dispose();
    }

    private IEnumerable<string?> Details(OperationQuery q) => _reader.QueryOperations(q).Select(o => o.Detail);

    [Fact]
    public void NoFilter_ReturnsNewestFirst() => Assert.Equal(["op 5", "op 4", "op 3", "op 2", "op 1"], Details(new OperationQuery()));

    [Fact]
    public void FilterByKinds() =>
        Assert.Equal(["op 4", "op 2"], Details(new OperationQuery { Kinds = [OperationKind.Order, OperationKind.Reject] }));

    [Fact]
    public void FilterByTimeRange_IsInclusiveFromExclusiveTo() =>
        Assert.Equal(["op 3", "op 2"], Details(new OperationQuery { FromNanos = Sample.Op(2).TimeNanos, ToNanos = Sample.Op(4).TimeNanos }));

    [Fact]
    public void FilterByRun() => Assert.Equal(["op 3"], Details(new OperationQuery { RunId = "run2" }));

    [Fact]
    public void LimitAndCursor_PageThroughTheLog()
    {
        var first = _reader.QueryOperations(new OperationQuery { Limit = 2 });
        var second = _reader.QueryOperations(new OperationQuery { Limit = 2, Before = OperationCursor.Of(first[^1]) });
        Assert.Equal(["op 3", "op 2"], second.Select(o => o.Detail));
    }

    [Fact]
    public void OneOperationById_HasAllItsFields_AndNullsStayNull()
    {
        var latest = _reader.QueryOperations(new OperationQuery { Limit = 1 })[0];
        var alert = _reader.GetOperation(latest.Id)!;
        Assert.Equal(OperationKind.Alert, alert.Kind);
        Assert.Null(alert.Side);
        Assert.Null(alert.ContractId);
        var fill = _reader.QueryOperations(new OperationQuery { Kinds = [OperationKind.Fill] })[0];
        Assert.Equal(Sample.Op(3, OperationKind.Fill, run: "run2") with { Id = fill.Id }, fill);
        Assert.Null(_reader.GetOperation(999_999));
    }
}
