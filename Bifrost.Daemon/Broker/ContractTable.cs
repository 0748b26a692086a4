using System.Globalization;
using Bifrost.Domain;
using Bifrost.Ib.Messages.Model;

namespace Bifrost.Daemon.Broker;

/// <summary>One instrument of the configured universe as IB needs it (conId + description) and as the monitor shows it.</summary>
public sealed record ContractInfo(int ConId, IbContract Contract, string Symbol, string SecType, int Multiplier, string Description);

/// <summary>The configured universe (underlying + option legs) by contract id: what orders and subscriptions are sent for.</summary>
public sealed class ContractTable
{
    private readonly Dictionary<int, ContractInfo> _byId;

    public ContractTable(IEnumerable<ContractInfo> contracts) => _byId = contracts.ToDictionary(c => c.ConId);

    public static ContractTable From(Config cfg)
    {
        var u = cfg.Strategy.Underlying;
        var list = new List<ContractInfo>
        {
            new(ContractIdModule.value(u.ContractId), IbContract.Stock(u.Symbol) with { ConId = ContractIdModule.value(u.ContractId) }, u.Symbol, "STK", 1, u.Symbol),
        };
        foreach (var leg in cfg.Strategy.Legs)
        {
            var o = leg.Option;
            var id = ContractIdModule.value(o.ContractId);
            var right = o.Right.IsCall ? "C" : "P";
            var expiry = ExpiryText(o.Expiry);
            var contract = IbContract.Option(o.Underlying, expiry, o.Strike, right, multiplier: o.Multiplier.ToString(CultureInfo.InvariantCulture)) with { ConId = id };
            list.Add(new ContractInfo(id, contract, o.Underlying, "OPT", o.Multiplier, FormattableString.Invariant($"{o.Underlying} {expiry} {right} {o.Strike:0.####}")));
        }
        return new ContractTable(list.DistinctBy(c => c.ConId));
    }

    /// <summary>yyyyMMdd of an expiry instant (the session close, which is the same calendar date in UTC for US hours).</summary>
    public static string ExpiryText(Timestamp expiry) =>
        TimestampModule.toDateTimeUtc(expiry).ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public IReadOnlyCollection<ContractInfo> All => _byId.Values;

    public ContractInfo? Find(int conId) => _byId.GetValueOrDefault(conId);

    public ContractInfo Get(ContractId conId) =>
        _byId.TryGetValue(ContractIdModule.value(conId), out var c)
            ? c
            : throw new KeyNotFoundException($"contract {ContractIdModule.value(conId)} is not in the configured universe");
}
