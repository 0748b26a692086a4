using System.Globalization;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;

namespace Bifrost.Sim.Gateway;

/// <summary>Fault injection: scripted rules armed at start, and actions injected through the control channel or the API.</summary>
public sealed partial class ReplayGateway
{
    private readonly List<ArmedRule> _rules = [];
    private long _messagesReceived;
    /// <summary>Market data paused by a 2110 (not a 1100): a farm's OK (2104, 2158) resumes it, as 1101/1102 do.</summary>
    private bool _serverBroken;
    /// <summary>Armed by <c>lose-next-current-time</c>.</summary>
    private bool _loseCurrentTime;
    private int _holdCode; // the errMsg code sent on the next held order (0: a silent hold)
    private bool _holdLocate; // the next held order is then reported Inactive, whyHeld "locate"

    private sealed class ArmedRule(FaultRule rule)
    {
        public FaultRule Rule { get; } = rule;
        public bool Fired { get; set; }
    }

    /// <summary>Applies a fault now (the control channel and in-process tests use this).</summary>
    public async Task InjectAsync(FaultAction action)
    {
        await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
        try
        {
            Apply(action);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Arms a rule (e.g. <c>after-orders 3 drop-connection</c>) or, without a trigger, applies it now.</summary>
    public async Task AddRuleAsync(FaultRule rule)
    {
        await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
        try
        {
            if (rule.Trigger is FaultTrigger.Now) Apply(rule.Action);
            else _rules.Add(new ArmedRule(rule));
            await EvaluateRulesAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task FireStartRulesAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await EvaluateRulesAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Fires every armed rule whose trigger is met (called under the lock after each request, tick and fill).</summary>
    private Task EvaluateRulesAsync()
    {
        if (_rules.Count == 0) return Task.CompletedTask;
        foreach (var r in _rules)
        {
            if (r.Fired || !Due(r.Rule.Trigger)) continue;
            r.Fired = true;
            Log($"fault: {r.Rule.Text}");
            Apply(r.Rule.Action);
        }
        return Task.CompletedTask;
    }

    private bool Due(FaultTrigger trigger) => trigger switch
    {
        FaultTrigger.Now => true,
        FaultTrigger.AtTimeOfDay t => _ticksApplied > 0 && EasternLocal(NowNanos).TimeOfDay >= t.TimeOfDay,
        FaultTrigger.AfterStart t => NowNanos >= _firstTickNanos + t.Offset.Ticks * 100,
        FaultTrigger.AfterMessages t => _messagesReceived >= t.Count,
        FaultTrigger.AfterOrders t => _ordersPlaced >= t.Count,
        FaultTrigger.AfterFills t => _fillsReported >= t.Count,
        _ => false,
    };

    private void Apply(FaultAction action)
    {
        switch (action)
        {
            case FaultAction.DropConnection d:
                foreach (var s in Sessions(d.ClientId)) Drop(s, flush: true);
                break;
            case FaultAction.SendError e:
                SendError(e.Code, e.Id, e.Text ?? FaultScript.DefaultText(e.Code), e.ClientId);
                break;
            case FaultAction.UpstreamLost u:
                SendError(IbErrorCodes.ConnectivityLost, -1, FaultScript.DefaultText(1100), null);
                _ = RestoreLaterAsync(u.RestoreCode, u.DelayMs);
                break;
            case FaultAction.DelayExecutions d:
                (_delayExecCount, _delayExecMs) = (d.Count, d.DelayMs);
                break;
            case FaultAction.DelayCommissions d:
                (_delayCommissionCount, _delayCommissionMs) = (d.Count, d.DelayMs);
                break;
            case FaultAction.DelayPositions d:
                (_delayPositionCount, _delayPositionMs) = (d.Count, d.DelayMs);
                break;
            case FaultAction.DuplicateExecutions d:
                _duplicateExecCount = d.Count;
                break;
            case FaultAction.ReorderStatus r:
                _reorderCount = r.Count;
                break;
            case FaultAction.RejectNextOrder:
                _broker.RejectNextOrder();
                break;
            case FaultAction.HoldNextOrder h:
                _broker.HoldNextOrder();
                _holdCode = h.Code;
                _holdLocate = h.Locate;
                break;
            case FaultAction.RaceNextCancel r:
                _raceCancelMs = r.DelayMs;
                break;
            case FaultAction.RefuseNextCancel r:
                _refuseCancelCode = r.Code;
                break;
            case FaultAction.ReleaseHeld:
                Log("releasing held orders");
                HandleBrokerEvents(_broker.ReleaseHeld(NowNanos));
                break;
            case FaultAction.CorrectNextExecution c:
                _correctNextCents = c.Cents;
                break;
            case FaultAction.MisreportNextExecution m:
                _misreport = m.Kind;
                break;
            case FaultAction.LoseNextExecutionsEnd:
                _loseExecEnd = true;
                break;
            case FaultAction.LoseNextCurrentTime:
                _loseCurrentTime = true;
                break;
            case FaultAction.ForgetExecutions:
                Log($"forgetting {_executions.Count} executions (reqExecutions)");
                _executions.Clear();
                break;
            case FaultAction.PacingViolation p:
                foreach (var s in Sessions(p.ClientId))
                {
                    s.Send(new IbError(-1, IbErrorCodes.MaxRateExceeded, FaultScript.DefaultText(100)));
                    if (p.Drop) Drop(s, flush: true);
                }
                break;
            case FaultAction.Restart r:
                foreach (var s in Sessions()) Drop(s, flush: false);
                foreach (var clientId in _nextOrderId.Keys.ToList())
                    _nextOrderId[clientId] = r.Rollback is { } n ? Math.Max(_options.FirstOrderId, _nextOrderId[clientId] - n) : _options.FirstOrderId;
                Log("restart: every session dropped, nextValidId rolled back");
                break;
            case FaultAction.MuteMarketData m:
                var conId = Contracts.Find(m.Contract) ?? throw new ArgumentException($"unknown contract '{m.Contract}'");
                if (m.Mute) _muted.Add(conId);
                else
                {
                    _muted.Remove(conId);
                    _stuck.Remove(conId);
                }
                break;
            case FaultAction.KillSubscription k:
                var killed = Contracts.Find(k.Contract) ?? throw new ArgumentException($"unknown contract '{k.Contract}'");
                foreach (var s in Sessions())
                    foreach (var sub in s.Subscriptions.Values)
                    {
                        if (sub.ConId != killed || sub.Dead) continue;
                        sub.Dead = true;
                        if (k.Code is { } code) s.Send(new IbError(sub.TickerId, code, FaultScript.DefaultText(code)));
                    }
                Log($"subscriptions of {k.Contract} killed{(k.Code is { } kc ? $" with {kc}" : " silently")}");
                break;
            case FaultAction.HaltTrading h:
                var haltedId = Contracts.Find(h.Contract) ?? throw new ArgumentException($"unknown contract '{h.Contract}'");
                if (h.Code != 0) _haltCodes[haltedId] = h.Code;
                else _haltCodes.Remove(haltedId);
                Log(h.Code != 0 ? $"{h.Contract} halted (tickGeneric 49 = {h.Code})" : $"{h.Contract} reopened (tickGeneric 49 = 0)");
                foreach (var s in Sessions())
                    foreach (var sub in s.Subscriptions.Values)
                        if (sub.ConId == haltedId && !sub.Dead) s.Send(new IbTickGeneric(sub.TickerId, TickHalted, h.Code));
                HandleBrokerEvents(_broker.SetHalted(haltedId, h.Code != 0, NowNanos));
                break;
            case FaultAction.BadQuote b:
                var badId = Contracts.Find(b.Contract) ?? throw new ArgumentException($"unknown contract '{b.Contract}'");
                if (_latest.TryGetValue(badId, out var last))
                {
                    var f = 1.0 + b.Percent / 100.0;
                    Log($"bad quote: {b.Contract} {0.5 * (last.Bid + last.Ask):F2} x {f:F3}{(b.Stay ? ", left standing" : "")}");
                    var bad = last with { Bid = last.Bid * f, Ask = last.Ask * f, Last = last.Last * f };
                    PublishTick(bad);
                    if (b.Stay) _stuck[badId] = bad;
                }
                if (b.Stay) _muted.Add(badId);
                break;
        }
    }

    /// <summary>errMsg to the client(s), with TWS's side effects of the connectivity codes on market data.</summary>
    private void SendError(int code, int id, string text, int? clientId)
    {
        switch (code)
        {
            case IbErrorCodes.ConnectivityLost:
                (_upstreamDown, _serverBroken) = (true, false);
                break;
            case IbErrorCodes.TwsServerConnectivityBroken when !_upstreamDown:
                (_upstreamDown, _serverBroken) = (true, true);
                break;
            case IbErrorCodes.ConnectivityRestoredDataLost:
                (_upstreamDown, _serverBroken) = (false, false);
                foreach (var s in Sessions(clientId)) s.Subscriptions.Clear();
                break;
            case IbErrorCodes.ConnectivityRestoredDataMaintained:
                (_upstreamDown, _serverBroken) = (false, false);
                break;
            // TWS back from a 2110 may say so by its farms' OK alone: market data resumes, the subscriptions dropped
            // (the worst case: a client must ask again).
            case IbErrorCodes.MarketDataFarmOk or IbErrorCodes.SecDefFarmOk when _serverBroken:
                (_upstreamDown, _serverBroken) = (false, false);
                foreach (var s in Sessions(clientId)) s.Subscriptions.Clear();
                break;
        }
        foreach (var s in Sessions(clientId)) s.Send(new IbError(id, code, text));
    }

    private async Task RestoreLaterAsync(int code, int delayMs)
    {
        try
        {
            await Task.Delay(delayMs, _stop.Token).ConfigureAwait(false);
            await _gate.WaitAsync(_stop.Token).ConfigureAwait(false);
            try
            {
                SendError(code, -1, FaultScript.DefaultText(code), null);
            }
            finally
            {
                _gate.Release();
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Closes a session now (its client id is free again at once); queued messages are flushed first if asked.</summary>
    private void Drop(GatewaySession s, bool flush)
    {
        lock (_sessions)
        {
            if (_sessions.TryGetValue(s.ClientId, out var current) && ReferenceEquals(current, s)) _sessions.Remove(s.ClientId);
        }
        Log($"dropping client {s.ClientId}");
        _ = s.CloseAsync(flush);
    }

    /// <summary>Runs one control line: a fault (with or without trigger), <c>step [N]</c>, <c>advance SECONDS</c>,
    /// <c>now</c>, <c>clients</c>, <c>status</c> or <c>help</c>. Returns the reply text (<c>ok …</c> or <c>error …</c>).</summary>
    public async Task<string> ExecuteAsync(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) return "error empty command";
        try
        {
            switch (words[0].ToLowerInvariant())
            {
                case "help":
                    return "ok commands: step [N] | advance SECONDS | now | clients | status | help | any fault-script line\n" + FaultScript.Grammar;
                case "step":
                    var n = words.Length > 1 ? int.Parse(words[1], CultureInfo.InvariantCulture) : 1;
                    var applied = await StepAsync(n).ConfigureAwait(false);
                    return $"ok stepped {applied} now {TwsTime(NowNanos)}";
                case "advance":
                    await AdvanceAsync(FaultScript.ParseDuration(words.Length > 1 ? words[1] : "1s")).ConfigureAwait(false);
                    return $"ok now {TwsTime(NowNanos)}";
                case "now":
                    return $"ok {TwsTime(NowNanos)} US/Eastern {NowNanos}";
                case "clients":
                    return "ok " + string.Join(',', ConnectedClientIds);
                case "status":
                    return $"ok now={TwsTime(NowNanos)} ticks={TicksReplayed} clients={string.Join(',', ConnectedClientIds)} speed={Speed} finished={ReplayFinished.IsCompleted}";
                default:
                    var rule = FaultScript.ParseRule(line);
                    await AddRuleAsync(rule).ConfigureAwait(false);
                    return rule.Trigger is FaultTrigger.Now ? $"ok applied {rule.Text}" : $"ok armed {rule.Text}";
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or OverflowException)
        {
            return "error " + ex.Message;
        }
    }
}
