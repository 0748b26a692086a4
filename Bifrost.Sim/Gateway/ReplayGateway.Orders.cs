using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Model;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Sim.Broker;

namespace Bifrost.Sim.Gateway;

/// <summary>Orders: validation with TWS's error codes, the shared broker, and the reference §10.2 message sequences.</summary>
public sealed partial class ReplayGateway
{
    private const long PermIdBase = 3_000_000_000L; // above 2^31 on purpose: clients must keep permIds 64-bit
    private readonly Dictionary<(int ClientId, int OrderId), PlacedOrder> _placed = new();
    private readonly List<ReportedExecution> _executions = [];
    private long _execSeq;
    private long _ordersPlaced;
    private long _fillsReported;
    private bool _loseExecEnd;
    private int _delayExecCount, _delayExecMs, _delayCommissionCount, _delayCommissionMs, _duplicateExecCount, _reorderCount,
        _delayPositionCount, _delayPositionMs;
    /// <summary>Armed by <c>misreport-next-execution</c>: what the next execution reports unlike the truth.</summary>
    private MisreportKind? _misreport;
    private int? _correctNextCents;
    /// <summary>Armed by <c>race-next-cancel MS</c>: the delay of the racing fill's reports and the final status.</summary>
    private int _raceCancelMs;
    /// <summary>Armed by <c>refuse-next-cancel CODE</c>: the code the next cancel of a working order is refused with.</summary>
    private int _refuseCancelCode;
    /// <summary>While a racing cancel is handled: the messages held back for the client, in order.</summary>
    private List<IIbServerMessage>? _heldBack;

    private sealed record PlacedOrder(int ConId, IbOrder Order);

    private sealed record ReportedExecution(IbContract Contract, IbExecution Execution, double Commission, long TsNanos);

    private static long WirePermId(SimOrder o) => PermIdBase + o.PermId;

    private void PlaceOrder(GatewaySession s, IbPlaceOrder po)
    {
        _ordersPlaced++;
        var clientId = s.ClientId;
        var o = po.Order;
        if (_placed.ContainsKey((clientId, po.OrderId)))
        {
            var existing = _broker.Orders.FirstOrDefault(x => x.Request.ClientId == clientId && x.Request.OrderId == po.OrderId);
            if (existing is { Status: SimOrderStatus.Filled })
                Reject(s, po, 104, "Can't modify a filled order.");
            else if (existing is { IsWorking: true })
                Reject(s, po, IbErrorCodes.ErrorValidatingRequest, "Error validating request.-'bO' : cause - order modification is not supported by the replay gateway");
            else
                Reject(s, po, IbErrorCodes.DuplicateOrderId, $"Duplicate order id {po.OrderId}.");
            return;
        }
        var next = NextOrderId(clientId);
        if (po.OrderId < next)
        {
            Reject(s, po, IbErrorCodes.DuplicateOrderId, $"Duplicate order id {po.OrderId}.");
            return;
        }
        _nextOrderId[clientId] = po.OrderId + 1;
        var (conId, problem) = Contracts.Resolve(po.Contract);
        if (problem is not null)
        {
            Reject(s, po, IbErrorCodes.NoSecurityDefinition, problem);
            return;
        }
        var isLimit = o.OrderType.Equals("LMT", StringComparison.OrdinalIgnoreCase);
        if (!isLimit && !o.OrderType.Equals("MKT", StringComparison.OrdinalIgnoreCase))
        {
            Reject(s, po, IbErrorCodes.OrderRejected, $"Order rejected - reason:Order type {o.OrderType} is not supported by the replay gateway (MKT, LMT).", conId, inactive: true);
            return;
        }
        if (o.Account.Length > 0 && o.Account != _options.Account)
        {
            Reject(s, po, IbErrorCodes.OrderRejected, $"Order rejected - reason:Account {o.Account} is not managed by this login ({_options.Account}).", conId, inactive: true);
            return;
        }
        var limit = o.LmtPrice ?? double.NaN;
        if (isLimit && double.IsFinite(limit) && limit > 0 && Math.Abs(limit / GatewayContracts.MinTick - Math.Round(limit / GatewayContracts.MinTick)) > 1e-6)
        {
            Reject(s, po, IbErrorCodes.PriceIncrementViolation, $"The price does not conform to the minimum price variation for this contract. Order price {limit}, minimum tick {GatewayContracts.MinTick}.");
            return;
        }
        var qty = o.TotalQuantity ?? 0;
        var side = o.Action.ToUpperInvariant() switch { "BUY" => 1, "SELL" or "SSHORT" => -1, _ => 0 };
        var request = new SimOrderRequest(clientId, po.OrderId, conId, side, qty == Math.Floor(qty) && qty <= int.MaxValue ? (int)qty : 0,
            isLimit, isLimit ? limit : double.NaN, o.Tif, o.OrderRef, _options.Account);
        var key = Contracts.All[conId];
        _placed[(clientId, po.OrderId)] = new PlacedOrder(conId, o with { Account = _options.Account, ClientId = clientId });
        var events = _broker.Submit(request, NowNanos);
        var order = _broker.Orders.FirstOrDefault(x => x.Request.ClientId == clientId && x.Request.OrderId == po.OrderId);
        if (order is not null && order.Status != SimOrderStatus.Rejected)
        {
            _ledger.Append(new LedgerEntry
            {
                Type = "order", TsNanos = NowNanos, Time = TwsTime(NowNanos), Account = _options.Account, ClientId = clientId, OrderId = po.OrderId,
                PermId = WirePermId(order), OrderRef = o.OrderRef, ConId = conId, Contract = key.ToString(), Action = o.Action.ToUpperInvariant(),
                OrderType = isLimit ? "LMT" : "MKT", Quantity = request.Quantity, LimitPrice = isLimit ? limit : null,
            });
            // accepted but not yet acknowledged: TWS shows the order as PreSubmitted until the destination acks it
            if (!events.Any(e => e is OrderAcknowledged or OrderExecuted)) SendOrderSnapshot(s, order);
            if (order.Held) Held(s, order);
        }
        HandleBrokerEvents(events);
    }

    /// <summary>An order the broker holds (fault <c>hold-next-order</c>): logged, and the scripted code sent on it.</summary>
    private void Held(GatewaySession s, SimOrder order)
    {
        var code = _holdCode;
        var locate = _holdLocate;
        _holdCode = 0;
        _holdLocate = false;
        Log($"holding order {order.Request.ClientId}/{order.Request.OrderId} ({order.Request.OrderRef}){(code != 0 ? $" with error {code}" : "")}{(locate ? ", reported Inactive (whyHeld locate)" : "")}");
        if (code != 0) s.Send(new IbError(order.Request.OrderId, code, FaultScript.DefaultText(code)));
        if (!locate) return;
        // What TWS reports for a short sale awaiting its shares: "Inactive", whyHeld "locate" — and the order works on.
        var open = OpenOrderOf(order);
        s.Send(open with { State = open.State with { Status = "Inactive" } });
        s.Send(StatusOf(order, "Inactive") with { WhyHeld = "locate" });
    }

    /// <summary>An order refused before it reached the broker (103, 104, 110, 200, 201, 321).</summary>
    private void Reject(GatewaySession s, IbPlaceOrder po, int code, string message, int? conId = null, bool inactive = false)
    {
        s.Send(new IbError(po.OrderId, code, message));
        if (inactive) s.Send(new IbOrderStatus(po.OrderId, "Cancelled", 0, po.Order.TotalQuantity ?? 0, 0, 0, 0, 0, s.ClientId, "", 0));
        _ledger.Append(new LedgerEntry
        {
            Type = "reject", TsNanos = NowNanos, Time = TwsTime(NowNanos), Account = _options.Account, ClientId = s.ClientId, OrderId = po.OrderId,
            OrderRef = po.Order.OrderRef, ConId = conId, Action = po.Order.Action, OrderType = po.Order.OrderType,
            Quantity = (int?)po.Order.TotalQuantity, LimitPrice = po.Order.LmtPrice, Code = code, Message = message,
        });
    }

    private void CancelOrder(GatewaySession s, int orderId)
    {
        if (_refuseCancelCode != 0 && _broker.WorkingOrders.FirstOrDefault(o => o.Request.ClientId == s.ClientId && o.Request.OrderId == orderId) is { } refused)
        {
            var code = _refuseCancelCode;
            _refuseCancelCode = 0;
            RefuseCancel(s, refused, code);
            return;
        }
        if (_raceCancelMs <= 0 || !_broker.WorkingOrders.Any(o => o.Request.ClientId == s.ClientId && o.Request.OrderId == orderId))
        {
            HandleBrokerEvents(_broker.Cancel(s.ClientId, orderId, NowNanos));
            return;
        }
        var delayMs = _raceCancelMs;
        _raceCancelMs = 0;
        Log($"cancel of order {s.ClientId}/{orderId} races a fill: its reports and final status {delayMs} ms after the 202");
        _heldBack = [];
        try
        {
            HandleBrokerEvents(_broker.CancelRacingAFill(s.ClientId, orderId, NowNanos));
            _ = SendLaterAsync(s, [.. _heldBack], delayMs);
        }
        finally
        {
            _heldBack = null;
        }
    }

    /// <summary>A cancel refused while the order works on (fault <c>refuse-next-cancel</c>): the errMsg alone, in IB's
    /// words for the code, and a ledger line; no status, as IB sends none.</summary>
    private void RefuseCancel(GatewaySession s, SimOrder o, int code)
    {
        var orderId = o.Request.OrderId;
        var message = code switch
        {
            161 => $"Cancel attempted when order is not in a cancellable state. Order permId = {WirePermId(o)}",
            135 => $"Can't find order with ID = {orderId}",
            10148 => $"OrderId {orderId} that needs to be cancelled cannot be cancelled, state: PendingCancel.",
            _ => FaultScript.DefaultText(code),
        };
        Log($"refusing the cancel of order {s.ClientId}/{orderId} ({o.Request.OrderRef}) with {code}: it works on");
        _ledger.Append(new LedgerEntry
        {
            Type = "cancel_refused", TsNanos = NowNanos, Time = TwsTime(NowNanos), Account = _options.Account, ClientId = s.ClientId, OrderId = orderId,
            PermId = WirePermId(o), OrderRef = o.Request.OrderRef, ConId = o.Request.ConId, Code = code, Message = message,
        });
        s.Send(new IbError(orderId, code, message));
    }

    // ------------------------------------------------------------------ broker events → wire

    private void HandleBrokerEvents(List<BrokerEvent> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case OrderAcknowledged ack:
                    if (SessionOf(ack.Order.Request.ClientId) is { } s) SendOrderSnapshot(s, ack.Order);
                    break;
                case OrderExecuted ex:
                    ReportExecution(ex.Execution);
                    break;
                case OrderCancelled c:
                    Cancelled(c.Order);
                    break;
                case OrderRefused r:
                    Refused(r);
                    break;
            }
        }
    }

    private IbOpenOrder OpenOrderOf(SimOrder o)
    {
        var placed = _placed[(o.Request.ClientId, o.Request.OrderId)];
        var contract = Contracts.Report(placed.ConId);
        var order = placed.Order with { PermId = WirePermId(o), ClientId = o.Request.ClientId, Account = _options.Account };
        return new IbOpenOrder(o.Request.OrderId, contract, order, new IbOrderState { Status = o.StatusText, CommissionCurrency = "USD" });
    }

    private static IbOrderStatus StatusOf(SimOrder o, string? status = null) => new(
        o.Request.OrderId, status ?? o.StatusText, o.Filled, o.Remaining, o.Filled > 0 ? o.AvgPrice : 0, WirePermId(o), 0,
        o.Filled > 0 ? o.LastFillPrice : 0, o.Request.ClientId, "", 0);

    /// <summary>openOrder + orderStatus: the snapshot pair of an order (placement, ack, reqOpenOrders, reconnect push).</summary>
    private void SendOrderSnapshot(GatewaySession s, SimOrder o)
    {
        s.Send(OpenOrderOf(o));
        s.Send(StatusOf(o));
    }

    /// <summary>Reference §10.2: execDetails (reqId −1) → openOrder (when filled) → orderStatus → commissionReport, with
    /// the scripted faults (reorder, duplicate, delay) applied; positions and portfolio subscribers see the change.</summary>
    private void ReportExecution(SimExecution x)
    {
        var o = x.Order;
        var placed = _placed[(o.Request.ClientId, o.Request.OrderId)];
        var key = Contracts.All[placed.ConId];
        var contract = Contracts.Report(placed.ConId, "ISLAND");
        var seq = ++_execSeq;
        var execId = $"0000e{o.Request.ClientId & 0xFFF:x3}.{(x.TimeNanos / 1_000_000_000) & 0xFFFFFFFF:x8}.{seq:x2}.01";
        var execution = new IbExecution
        {
            OrderId = o.Request.OrderId, ExecId = execId, Time = TwsTime(x.TimeNanos) + " US/Eastern", AcctNumber = _options.Account,
            Exchange = "ISLAND", Side = o.Request.Side > 0 ? "BOT" : "SLD", Shares = x.Quantity, Price = x.Price, PermId = WirePermId(o),
            ClientId = o.Request.ClientId, CumQty = x.CumQuantity, AvgPrice = x.AvgPrice, OrderRef = o.Request.OrderRef, LastLiquidity = 2,
        };
        var trueSide = execution.Side;
        if (_misreport is { } misreport)
        {
            _misreport = null;
            if (misreport == MisreportKind.Price)
                execution = execution with { Price = double.MaxValue };
            else if (misreport == MisreportKind.Contract && Contracts.All.Keys.Where(id => id != placed.ConId).Order().FirstOrDefault() is var other and > 0)
                contract = Contracts.Report(other, "ISLAND");
            else if (misreport == MisreportKind.Side)
                execution = execution with { Side = trueSide == "BOT" ? "SLD" : "BOT" };
            Log($"misreporting execution {execId} of order {o.Request.OrderId}: {contract.Symbol} {contract.ConId} {execution.Side} @ {execution.Price} (truly {key} {trueSide} @ {x.Price})");
        }
        var reported = new ReportedExecution(contract, execution, x.Commission, x.TimeNanos);
        _executions.Add(reported);
        _fillsReported++;
        _ledger.Append(new LedgerEntry
        {
            Type = "fill", TsNanos = x.TimeNanos, Time = TwsTime(x.TimeNanos), Account = _options.Account, ClientId = o.Request.ClientId,
            OrderId = o.Request.OrderId, PermId = WirePermId(o), OrderRef = o.Request.OrderRef, ConId = placed.ConId, Contract = key.ToString(),
            ExecId = execId, Side = trueSide, Quantity = x.Quantity, Price = x.Price, CumQuantity = x.CumQuantity, AvgPrice = x.AvgPrice,
        });
        _ledger.Append(new LedgerEntry
        {
            Type = "commission", TsNanos = x.TimeNanos, Time = TwsTime(x.TimeNanos), Account = _options.Account, ClientId = o.Request.ClientId,
            OrderId = o.Request.OrderId, PermId = WirePermId(o), OrderRef = o.Request.OrderRef, ExecId = execId, Commission = x.Commission, Currency = "USD",
        });

        if (SessionOf(o.Request.ClientId) is { } s)
        {
            var status = StatusOf(o, o.Status == SimOrderStatus.Filled ? "Filled" : "Submitted") with { LastFillPrice = x.Price };
            IIbServerMessage[] statusPart = o.Status == SimOrderStatus.Filled ? [OpenOrderOf(o), status] : [status];
            IIbServerMessage[] execPart = [new IbExecDetails(-1, contract, execution), Commission(reported)];
            var reorder = Take(ref _reorderCount);
            var duplicate = Take(ref _duplicateExecCount);
            var delayMs = Take(ref _delayExecCount) ? _delayExecMs : 0;
            var commissionDelayMs = Take(ref _delayCommissionCount) ? _delayCommissionMs : 0;
            if (duplicate) execPart = [execPart[0], execPart[0], execPart[1], execPart[1]];
            void SendCommission(IIbServerMessage m)
            {
                if (commissionDelayMs > 0) _ = SendLaterAsync(s, [m], commissionDelayMs);
                else s.Send(m);
            }
            if (_heldBack is not null)
            {
                // A fill that raced a cancel: its reports come after IB's 202 (race-next-cancel).
                _heldBack.AddRange(execPart);
                _heldBack.AddRange(statusPart);
            }
            else if (delayMs > 0)
            {
                foreach (var m in statusPart) s.Send(m);
                _ = SendLaterAsync(s, execPart, delayMs);
            }
            else if (reorder)
            {
                foreach (var m in statusPart) s.Send(m);
                foreach (var m in execPart) if (m is IbCommissionReport) SendCommission(m); else s.Send(m);
            }
            else
            {
                // real capture order: execDetails → openOrder(Filled) → orderStatus → commissionReport
                s.Send(execPart[0]);
                if (duplicate) s.Send(execPart[0]);
                foreach (var m in statusPart) s.Send(m);
                SendCommission(execPart[^1]);
                if (duplicate) SendCommission(execPart[^1]);
            }
        }
        PositionChanged(placed.ConId);
        if (_correctNextCents is { } cents)
        {
            _correctNextCents = null;
            ReportCorrection(reported, o, cents);
        }
    }

    /// <summary>IB's correction of an execution just reported: revision .02 of its execId, re-priced by
    /// <paramref name="cents"/>, live (execDetails + commissionReport) and in reqExecutions from now on. The position
    /// does not change (the same quantity).</summary>
    private void ReportCorrection(ReportedExecution original, SimOrder o, int cents)
    {
        var x = original.Execution;
        var execution = x with { ExecId = x.ExecId[..^2] + "02", Price = Math.Round(x.Price + cents / 100.0, 2) };
        var corrected = original with { Execution = execution };
        _executions.Add(corrected);
        Log($"correcting execution {x.ExecId} of order {o.Request.OrderId} as {execution.ExecId}: {execution.Shares} @ {execution.Price} (was {x.Price})");
        _ledger.Append(new LedgerEntry
        {
            Type = "fill_correction", TsNanos = original.TsNanos, Time = TwsTime(original.TsNanos), Account = _options.Account, ClientId = o.Request.ClientId,
            OrderId = o.Request.OrderId, PermId = WirePermId(o), OrderRef = o.Request.OrderRef, ConId = original.Contract.ConId, Contract = original.Contract.Symbol,
            ExecId = execution.ExecId, Side = execution.Side, Quantity = (int)(execution.Shares ?? 0), Price = execution.Price,
        });
        if (SessionOf(o.Request.ClientId) is { } s)
        {
            s.Send(new IbExecDetails(-1, original.Contract, execution));
            s.Send(Commission(corrected));
        }
    }

    private static bool Take(ref int count)
    {
        if (count <= 0) return false;
        count--;
        return true;
    }

    private async Task SendLaterAsync(GatewaySession s, IIbServerMessage[] messages, int delayMs)
    {
        try
        {
            await Task.Delay(delayMs, _stop.Token).ConfigureAwait(false);
            await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
            try
            {
                foreach (var m in messages) s.Send(m); // dropped if that session has gone: reqExecutions still has them
            }
            finally
            {
                _gate.Release();
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    private static IbCommissionReport Commission(ReportedExecution r) =>
        new(r.Execution.ExecId, Math.Round(r.Commission, 6), "USD", null, null, 0);

    private void Cancelled(SimOrder o)
    {
        var placed = _placed[(o.Request.ClientId, o.Request.OrderId)];
        _ledger.Append(new LedgerEntry
        {
            Type = "cancel", TsNanos = NowNanos, Time = TwsTime(NowNanos), Account = _options.Account, ClientId = o.Request.ClientId,
            OrderId = o.Request.OrderId, PermId = WirePermId(o), OrderRef = o.Request.OrderRef, ConId = placed.ConId, Quantity = o.Remaining,
        });
        if (SessionOf(o.Request.ClientId) is not { } s) return;
        if (_heldBack is not null)
        {
            // A cancel that raced a fill: IB's 202 first, the final status with its count later.
            s.Send(new IbError(o.Request.OrderId, IbErrorCodes.OrderCancelled, "Order Canceled - reason:"));
            _heldBack.Add(StatusOf(o, "Cancelled"));
            _heldBack.Add(OpenOrderOf(o));
            return;
        }
        s.Send(StatusOf(o, "Cancelled"));
        s.Send(OpenOrderOf(o));
        s.Send(new IbError(o.Request.OrderId, IbErrorCodes.OrderCancelled, "Order Canceled - reason:"));
    }

    private void Refused(OrderRefused r)
    {
        var s = SessionOf(r.ClientId);
        s?.Send(new IbError(r.OrderId, r.Code, r.Message));
        if (r.Request is null) return; // an unknown order's cancel
        if (r.Code == IbErrorCodes.OrderRejected)
        {
            var order = _broker.Orders.FirstOrDefault(x => x.Request.ClientId == r.ClientId && x.Request.OrderId == r.OrderId);
            if (order is not null && s is not null) s.Send(StatusOf(order, "Cancelled"));
            _ledger.Append(new LedgerEntry
            {
                Type = "reject", TsNanos = NowNanos, Time = TwsTime(NowNanos), Account = _options.Account, ClientId = r.ClientId, OrderId = r.OrderId,
                PermId = order is null ? null : WirePermId(order), OrderRef = r.Request.OrderRef, ConId = r.Request.ConId,
                Action = r.Request.Side > 0 ? "BUY" : "SELL", Quantity = r.Request.Quantity, Code = r.Code, Message = r.Message,
            });
        }
    }

    // ------------------------------------------------------------------ reconciliation queries

    private void OpenOrders(GatewaySession s, bool allClients)
    {
        foreach (var o in _broker.WorkingOrders.Where(o => allClients || o.Request.ClientId == s.ClientId)
                     .OrderBy(o => o.Request.ClientId).ThenBy(o => o.Request.OrderId).ToList())
            SendOrderSnapshot(s, o);
        s.Send(IbOpenOrderEnd.Instance);
    }

    private void Executions(GatewaySession s, IbReqExecutions req)
    {
        var f = req.Filter;
        var after = ParseFilterTime(f.Time);
        foreach (var r in _executions)
        {
            var e = r.Execution;
            if (f.ClientId != 0 && e.ClientId != f.ClientId) continue;
            if (f.AcctCode.Length > 0 && !f.AcctCode.Equals(e.AcctNumber, StringComparison.OrdinalIgnoreCase)) continue;
            if (f.Symbol.Length > 0 && !f.Symbol.Equals(r.Contract.Symbol, StringComparison.OrdinalIgnoreCase)) continue;
            if (f.SecType.Length > 0 && !f.SecType.Equals(r.Contract.SecType, StringComparison.OrdinalIgnoreCase)) continue;
            if (f.Exchange.Length > 0 && !f.Exchange.Equals(e.Exchange, StringComparison.OrdinalIgnoreCase)) continue;
            if (f.Side.Length > 0 && SideOf(f.Side) != e.Side) continue;
            if (after is { } t && r.TsNanos < t) continue;
            s.Send(new IbExecDetails(req.ReqId, r.Contract, e));
            s.Send(Commission(r));
        }
        if (_loseExecEnd)
        {
            _loseExecEnd = false;
            Log($"losing execDetailsEnd of request {req.ReqId}");
            return;
        }
        s.Send(new IbExecDetailsEnd(req.ReqId));
    }

    private static string SideOf(string side) => side.ToUpperInvariant() switch { "BUY" or "BOT" => "BOT", "SELL" or "SLD" => "SLD", var x => x };

    /// <summary>reqExecutions' time filter: <c>yyyyMMdd-HH:mm:ss</c> (UTC) or <c>yyyyMMdd HH:mm:ss [zone]</c> (US/Eastern
    /// unless the zone says UTC/GMT); null when empty or unreadable (no filter).</summary>
    internal static long? ParseFilterTime(string text)
    {
        text = text.Trim();
        if (text.Length < 17) return null;
        var utc = text[8] == '-';
        var parts = text.Replace('-', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !DateTime.TryParseExact(parts[0] + " " + parts[1], "yyyyMMdd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.None, out var local)) return null;
        if (parts.Length > 2 && parts[2].ToUpperInvariant() is "UTC" or "GMT" or "ETC/UTC") utc = true;
        var nanos = (local - DateTime.UnixEpoch).Ticks * 100;
        return utc ? nanos : nanos - EasternOffsetMinutes(nanos) * 60L * 1_000_000_000L;
    }
}
