using Bifrost.Domain;
using Bifrost.Domain.Pricing;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Sim.Ticks;

namespace Bifrost.Sim.Gateway;

/// <summary>Market data: subscriptions, the snapshot after subscribing, changes-only ticks, option computations.</summary>
public sealed partial class ReplayGateway
{
    private const int TickBid = 1, TickAsk = 2, TickLast = 4, TickBidSize = 0, TickAskSize = 3, TickLastSize = 5;
    private const int TickBidOption = 10, TickAskOption = 11, TickLastOption = 12, TickModelOption = 13;
    private const int TickHalted = 49;
    private readonly HashSet<int> _muted = new();
    /// <summary>Contracts the exchange halted (fault <c>halt</c>) with their tickGeneric 49 value: a new subscription
    /// of one is told so, as TWS tells it.</summary>
    private readonly Dictionary<int, int> _haltCodes = new();
    /// <summary>A bad quote left standing (<c>bad-quote … stay</c>) on a muted contract: what a new subscription gets
    /// as its first tick, as TWS's snapshot would be, until the feed resumes.</summary>
    private readonly Dictionary<int, Tick> _stuck = new();
    private bool _upstreamDown;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> _served = new();

    /// <summary>How many market-data requests for a contract were served (every client): a test sees a client ask for
    /// a contract again.</summary>
    public int MarketDataRequestsServed(int conId) => _served.TryGetValue(conId, out var n) ? n : 0;

    private void SubscribeMarketData(GatewaySession s, IbReqMktData md)
    {
        var (conId, problem) = Contracts.Resolve(md.Contract);
        if (problem is not null)
        {
            s.Send(new IbError(md.TickerId, IbErrorCodes.NoSecurityDefinition, problem));
            return;
        }
        if (s.Subscriptions.ContainsKey(md.TickerId))
        {
            s.Send(new IbError(md.TickerId, 102, "Duplicate ticker ID."));
            return;
        }
        _served.AddOrUpdate(conId, 1, (_, n) => n + 1);
        s.Send(new IbTickReqParams(md.TickerId, GatewayContracts.MinTick, "9c0001", 3));
        s.Send(new IbMarketDataType(md.TickerId, 1));
        var sub = new MarketDataSubscription(md.TickerId, conId);
        if (!md.Snapshot) s.Subscriptions[md.TickerId] = sub;
        if (!_upstreamDown && !_muted.Contains(conId) && _latest.TryGetValue(conId, out var t)) SendTick(s, sub, t, OptionComputations(t));
        else if (!_upstreamDown && _stuck.TryGetValue(conId, out var stuck)) SendTick(s, sub, stuck, OptionComputations(stuck));
        if (_haltCodes.TryGetValue(conId, out var halt)) s.Send(new IbTickGeneric(md.TickerId, TickHalted, halt));
        if (md.Snapshot) s.Send(new IbTickSnapshotEnd(md.TickerId));
    }

    private void PublishTick(in Tick t)
    {
        if (_upstreamDown || _muted.Contains(t.ConId)) return;
        List<(GatewaySession, MarketDataSubscription)>? targets = null;
        foreach (var s in Sessions())
            foreach (var sub in s.Subscriptions.Values)
                if (sub.ConId == t.ConId && !sub.Dead) (targets ??= []).Add((s, sub));
        if (targets is null) return;
        var computations = OptionComputations(t);
        foreach (var (s, sub) in targets) SendTick(s, sub, t, computations);
    }

    /// <summary>Sends what changed since the subscription's last tick (everything on the first one).</summary>
    private static void SendTick(GatewaySession s, MarketDataSubscription sub, in Tick t, OptionComputation[]? computations)
    {
        var id = sub.TickerId;
        if (!Same(sub.Bid, t.Bid) || !Same(sub.BidSize, t.BidSize))
        {
            s.Send(new IbTickPrice(id, TickBid, Price(t.Bid), Size(t.Bid, t.BidSize), 1));
            s.Send(new IbTickSize(id, TickBidSize, Size(t.Bid, t.BidSize)));
        }
        if (!Same(sub.Ask, t.Ask) || !Same(sub.AskSize, t.AskSize))
        {
            s.Send(new IbTickPrice(id, TickAsk, Price(t.Ask), Size(t.Ask, t.AskSize), 1));
            s.Send(new IbTickSize(id, TickAskSize, Size(t.Ask, t.AskSize)));
        }
        if (double.IsFinite(t.Last) && t.Last > 0 && !Same(sub.Last, t.Last))
        {
            s.Send(new IbTickPrice(id, TickLast, t.Last, 0, 0));
            s.Send(new IbTickSize(id, TickLastSize, 0));
        }
        (sub.Bid, sub.Ask, sub.Last, sub.BidSize, sub.AskSize) = (t.Bid, t.Ask, double.IsFinite(t.Last) ? t.Last : sub.Last, t.BidSize, t.AskSize);
        if (computations is null) return;
        foreach (var c in computations)
            s.Send(new IbTickOptionComputation(id, c.TickType, 1, c.Iv, c.Delta, c.Price, c.PvDividend, c.Gamma, c.Vega, c.Theta, c.Underlying));
    }

    private static bool Same(double a, double b) => a.Equals(b);
    private static double Price(double p) => double.IsFinite(p) && p > 0 ? p : -1;
    private static decimal Size(double price, double size) => double.IsFinite(price) && price > 0 && double.IsFinite(size) ? (decimal)size : 0;

    private readonly record struct OptionComputation(int TickType, double? Iv, double? Delta, double? Price, double? PvDividend,
        double? Gamma, double? Vega, double? Theta, double? Underlying);

    /// <summary>tickOptionComputation for an option quote: bid (10) and ask (11) with the IV implied from each side,
    /// last (12) when the quote carries a trade, and the model (13) at the file's IV (or the IV implied from the mid),
    /// all Black–Scholes from Bifrost.Domain on the underlying's mid. Sentinels while the underlying has no quote.</summary>
    private OptionComputation[]? OptionComputations(in Tick t)
    {
        if (!Contracts.TryGet(t.ConId, out var key) || !key.IsOption) return null;
        var right = key.Right == 'C' ? OptionRight.Call : OptionRight.Put;
        var underlying = _latest.TryGetValue(ContractKey.Stock(key.Symbol).ConId, out var u) ? 0.5 * (u.Bid + u.Ask) : double.NaN;
        var expiry = DateOnly.ParseExact(key.ExpiryYyyymmdd.ToString(System.Globalization.CultureInfo.InvariantCulture), "yyyyMMdd");
        var expiryLocal = expiry.ToDateTime(new TimeOnly(16, 0));
        var expiryUtcNanos = (new DateTimeOffset(expiryLocal, TimeSpan.FromMinutes(EasternOffsetMinutes(NowNanos))).ToUnixTimeMilliseconds()) * 1_000_000L;
        var years = (expiryUtcNanos - NowNanos) / 1e9 / (365.0 * 86_400.0);
        var result = new List<OptionComputation>(4);
        var inputs = new BsInputs(underlying, key.Strike, years, _options.Rate, 0.0, double.NaN);
        var valid = double.IsFinite(underlying) && underlying > 0 && years > 0;

        OptionComputation At(int tickType, double vol)
        {
            if (!valid || !double.IsFinite(vol) || vol <= 0)
                return new OptionComputation(tickType, null, null, null, null, null, null, null, valid ? underlying : null);
            var g = BlackScholes.greeks(right, new BsInputs(underlying, key.Strike, years, _options.Rate, 0.0, vol));
            // IB reports vega per vol point (1%) and theta per calendar day
            return new OptionComputation(tickType, vol, g.Delta, g.Price, 0.0, g.Gamma, g.Vega / 100.0, g.ThetaPerDay, underlying);
        }

        double Implied(double price)
        {
            if (!valid || !(price > 0)) return double.NaN;
            var r = ImpliedVol.solve(right, inputs, price);
            return r.IsOk ? r.ResultValue : double.NaN;
        }

        var bidIv = Implied(t.Bid);
        var askIv = Implied(t.Ask);
        var c10 = At(TickBidOption, bidIv);
        var c11 = At(TickAskOption, askIv);
        // the side's own price is what TWS reports as optPrice on 10/11
        result.Add(c10 with { Price = t.Bid > 0 && c10.Iv is not null ? t.Bid : c10.Price });
        result.Add(c11 with { Price = t.Ask > 0 && c11.Iv is not null ? t.Ask : c11.Price });
        if (double.IsFinite(t.Last) && t.Last > 0) result.Add(At(TickLastOption, Implied(t.Last)));
        var modelIv = double.IsFinite(t.Iv) && t.Iv > 0 ? t.Iv : Implied(0.5 * (t.Bid + t.Ask));
        result.Add(At(TickModelOption, modelIv));
        return [.. result];
    }

    private void ContractDetails(GatewaySession s, IbReqContractDetails cd)
    {
        var matches = Contracts.Match(cd.Contract);
        if (matches.Count == 0)
        {
            s.Send(new IbError(cd.ReqId, IbErrorCodes.NoSecurityDefinition, "No security definition has been found for the request"));
            return;
        }
        foreach (var conId in matches) s.Send(new IbContractData(cd.ReqId, Contracts.Describe(conId)));
        s.Send(new IbContractDataEnd(cd.ReqId));
    }
}
