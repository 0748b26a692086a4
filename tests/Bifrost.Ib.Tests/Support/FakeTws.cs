using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Server;

namespace Bifrost.Ib.Tests.Support;

/// <summary>
/// A tiny scripted TWS on 127.0.0.1 built from the Server/ pieces: the start burst of reference §2.4, then fixed answers to
/// market data, orders and the time request. Enough to drive IbClient end to end; the real replay gateway lives elsewhere.
/// </summary>
public sealed class FakeTws : IAsyncDisposable
{
    private readonly IbServerListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<IIbRequest> _received = [];
    private IbServerConnection? _connection;

    public FakeTws(bool sendStartBurst = true)
    {
        SendStartBurst = sendStartBurst;
        _loop = Task.Run(RunAsync);
    }

    public bool SendStartBurst { get; }
    public int Port => _listener.Port;
    public const string Account = "DU1234567";

    public IReadOnlyList<IIbRequest> Received
    {
        get
        {
            lock (_received) return [.. _received];
        }
    }

    public IbServerConnection? Connection => Volatile.Read(ref _connection);

    private async Task RunAsync()
    {
        try
        {
            var c = await _listener.AcceptAsync(_stop.Token);
            Volatile.Write(ref _connection, c);
            if (SendStartBurst)
            {
                await c.SendAsync(new IbManagedAccounts(Account));
                await c.SendAsync(new IbNextValidId(117));
                await c.SendErrorAsync(-1, IbErrorCodes.MarketDataFarmOk, "Market data farm connection is OK:usfarm");
                await c.SendErrorAsync(-1, IbErrorCodes.HistoricalFarmOk, "HMDS data farm connection is OK:ushmds");
                await c.SendErrorAsync(-1, IbErrorCodes.SecDefFarmOk, "Sec-def data farm connection is OK:secdefil");
            }
            while (await c.ReadRequestAsync(_stop.Token) is { } request)
            {
                lock (_received) _received.Add(request);
                await AnswerAsync(c, request);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // test over
        }
    }

    private static async Task AnswerAsync(IbServerConnection c, IIbRequest request)
    {
        switch (request)
        {
            case IbReqCurrentTime:
                await c.SendAsync(new IbCurrentTime(1737127865));
                break;
            case IbReqMktData md:
                await c.SendAsync(new IbTickReqParams(md.TickerId, 0.01, "9c0001", 3));
                await c.SendAsync(new IbMarketDataType(md.TickerId, 1));
                await c.SendAsync(new IbTickPrice(md.TickerId, 1, 1.20, 10, 1));
                await c.SendAsync(new IbTickPrice(md.TickerId, 2, 1.30, 12, 1));
                await c.SendAsync(new IbTickSize(md.TickerId, 8, 1500));
                await c.SendAsync(new IbTickOptionComputation(md.TickerId, 13, 1, 0.18, 0.55, 1.25, 0, 0.04, 0.2, -0.08, 448.75));
                break;
            case IbPlaceOrder po:
                await FillAsync(c, po);
                break;
            case IbCancelOrder co:
                await c.SendErrorAsync(co.OrderId, IbErrorCodes.OrderCancelled, "Order Canceled - reason:");
                break;
        }
    }

    /// <summary>The marketable-order sequence of reference §10.2.</summary>
    private static async Task FillAsync(IbServerConnection c, IbPlaceOrder po)
    {
        const long permId = 3_000_000_001L; // above 2^31 on purpose
        decimal qty = po.Order.TotalQuantity ?? 0;
        double price = po.Order.LmtPrice ?? 1.25;
        var order = po.Order with { ClientId = c.ClientId, PermId = permId };
        await c.SendAsync(new IbOpenOrder(po.OrderId, po.Contract, order, new IbOrderState { Status = "Submitted" }));
        await c.SendAsync(new IbOrderStatus(po.OrderId, "Submitted", 0, qty, 0, permId, 0, 0, c.ClientId, "", 0));
        var execution = new IbExecution
        {
            OrderId = po.OrderId, ExecId = "0000d001.65a1b2c3.01.01", Time = "20250117 10:31:05 US/Eastern",
            AcctNumber = Account, Exchange = "CBOE", Side = po.Order.Action == "BUY" ? "BOT" : "SLD", Shares = qty,
            Price = price, PermId = permId, ClientId = c.ClientId, CumQty = qty, AvgPrice = price, OrderRef = po.Order.OrderRef,
            LastLiquidity = 2,
        };
        await c.SendAsync(new IbExecDetails(-1, po.Contract, execution));
        await c.SendAsync(new IbOrderStatus(po.OrderId, "Filled", qty, 0, price, permId, 0, price, c.ClientId, "", 0));
        await c.SendAsync(new IbCommissionReport(execution.ExecId, 1.3, "USD", null, null, 0));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        _listener.Dispose();
        await _loop;
        _stop.Dispose();
    }
}
