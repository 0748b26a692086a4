using System.Globalization;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Logging;
using Bifrost.Domain;
using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Model;
using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Broker;

/// <summary>
/// Every configured contract id is checked against what the broker says it is before the engine starts. The engine
/// prices, hedges and books a leg by the terms the configuration gives (strike, expiry, right, multiplier) while the
/// broker trades, quotes and reports positions by contract id: a con_id copied from the wrong line, or a multiplier
/// that is not the contract's (a mini or an adjusted option), would have the engine hedge one contract's delta while
/// holding another — wrong by the ratio, under a GREEN light. A disagreement refuses the start (exit 2), naming the key.
/// </summary>
public static class ContractVerification
{
    /// <summary>One configured contract: its key in the file and the terms the engine will use for it.</summary>
    public sealed record Expected(string Key, int ConId, string Symbol, OptionContract? Option, int UnderlyingConId);

    public static IReadOnlyList<Expected> Of(Config cfg)
    {
        var u = cfg.Strategy.Underlying;
        var underlyingId = ContractIdModule.value(u.ContractId);
        var list = new List<Expected> { new("strategy.underlying", underlyingId, u.Symbol, null, underlyingId) };
        foreach (var (leg, i) in cfg.Strategy.Legs.Select((l, i) => (l, i)))
            list.Add(new Expected($"strategy.legs[{i}]", ContractIdModule.value(leg.Option.ContractId), leg.Option.Underlying, leg.Option, underlyingId));
        return list;
    }

    /// <summary>What is wrong with the broker's answer for one configured contract (null: it agrees). <paramref name="found"/>
    /// is null when the broker does not know the contract id (error 200): acceptable only for a leg already past its
    /// expiry, which IB no longer describes (its terms were checked at the starts before, and are remembered).</summary>
    public static string? Problem(Expected e, IReadOnlyList<IbContractDetails>? found, Timestamp now)
    {
        if (found is null || found.Count == 0)
            return e.Option is { } o && TimestampModule.nanos(o.Expiry) <= TimestampModule.nanos(now)
                ? null
                : $"{e.Key}.con_id: the broker knows no contract {e.ConId} (configured as {Configured(e)}); fix the con_id, or leave it out to have it looked up";
        if (found.Count != 1)
            return $"{e.Key}.con_id: the broker describes contract {e.ConId} {found.Count} times (expected once)";
        var d = found[0];
        var c = d.Contract;
        var differs = new List<string>();
        var wantType = e.Option is null ? "STK" : "OPT";
        if (!c.SecType.Equals(wantType, StringComparison.OrdinalIgnoreCase)) differs.Add("security type");
        if (!c.Symbol.Trim().Equals(e.Symbol, StringComparison.OrdinalIgnoreCase)) differs.Add("symbol");
        if (c.Currency.Length > 0 && !c.Currency.Equals("USD", StringComparison.OrdinalIgnoreCase)) differs.Add("currency");
        if (e.Option is { } leg)
        {
            if (Right(c.Right) != (leg.Right.IsCall ? "C" : "P")) differs.Add("right");
            if (c.Strike is not { } k || Math.Abs(k - leg.Strike) > 1e-6 * Math.Max(1.0, Math.Abs(leg.Strike))) differs.Add("strike");
            if (d.LastTradeDateOnly != ContractTable.ExpiryText(leg.Expiry)) differs.Add("expiry");
            if (d.UnderConId > 0 && d.UnderConId != e.UnderlyingConId) differs.Add($"underlying (contract {d.UnderConId}, not {e.UnderlyingConId})");
        }
        if (differs.Count > 0)
            return $"{e.Key}.con_id: the broker's contract {e.ConId} is {Reported(d)}, not {Configured(e)} as configured ({string.Join(", ", differs)} differ{(differs.Count == 1 ? "s" : "")}); "
                + "fix the con_id (or leave it out to have it looked up): the engine would price and hedge one contract while holding another";
        if (e.Option is { } series && AdjustedSeries(c) is { } tradingClass)
            return $"{e.Key}.con_id: the broker's contract {e.ConId} ({Reported(d)}) is of trading class {tradingClass}, not {series.Underlying}'s standard series: "
                + $"an adjusted series (after a split, a merger or a special dividend) whose deliverable may not be {series.Multiplier} shares of {series.Underlying}, "
                + "while the engine would hedge and book it as that; configure the standard series' contract";
        if (e.Option is { } opt && IbTranslate.Multiplier(c) != opt.Multiplier)
            return $"{e.Key}.multiplier: the broker's contract {e.ConId} ({Reported(d)}) has multiplier {IbTranslate.Multiplier(c)}, the configuration {opt.Multiplier}: "
                + "the leg's delta, P&L and limits would all be off by that ratio";
        return null;
    }

    /// <summary>Asks the broker about every configured contract id, once each, and refuses the start at the first
    /// disagreement. A lookup the broker does not answer in time is retried twice before the start is refused.</summary>
    public static async Task VerifyAsync(IbBroker broker, Config cfg, Timestamp now, ILogger logger, CancellationToken ct)
    {
        foreach (var e in Of(cfg))
        {
            var found = await Ask(broker, e, ct).ConfigureAwait(false);
            if (Problem(e, found, now) is { } problem) throw new DaemonRefusedException(problem);
            Log.ContractVerified(logger, e.Key, e.ConId, found is { Count: 1 } ? Reported(found[0]) : Configured(e) + " (expired: the broker no longer describes it)");
        }
    }

    private static async Task<IReadOnlyList<IbContractDetails>?> Ask(IbBroker broker, Expected e, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await broker.DetailsAsync(new IbContract { ConId = e.ConId }, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            }
            catch (BrokerRequestRefused x) when (x.Code == IbErrorCodes.NoSecurityDefinition)
            {
                return null; // no security definition: the broker does not know this id
            }
            catch (Exception x) when (x is InvalidOperationException || BrokerUnansweredException.IsUnanswered(x))
            {
                if (attempt < 3) continue;
                var why = $"{e.Key}.con_id: the broker did not describe contract {e.ConId} ({x.Message}); its terms cannot be checked";
                throw BrokerUnansweredException.IsUnanswered(x) ? new BrokerUnansweredException(why, x) : new DaemonRefusedException(why);
            }
        }
    }

    /// <summary>The trading class of an option that is not its symbol's standard series (null: standard, or not told).
    /// A US equity option's trading class is its OCC root, the stock's symbol (blanks and dots aside: BRK B's is BRKB);
    /// a corporate action moves the old contracts to a new root (XYZ1) whose deliverable is what the action made of
    /// 100 shares (150 shares, shares and cash), with the multiplier and the terms unchanged.</summary>
    public static string? AdjustedSeries(IbContract c)
    {
        static string Root(string s) => new([.. s.Where(char.IsLetterOrDigit).Select(char.ToUpperInvariant)]);
        var tradingClass = c.TradingClass.Trim();
        return tradingClass.Length == 0 || Root(tradingClass) == Root(c.Symbol) ? null : tradingClass;
    }

    /// <summary>The contracts a lookup found, as the operator picks a con_id from them: id, terms, trading class, exchange.</summary>
    public static string Candidates(IReadOnlyList<IbContractDetails> found) =>
        string.Join("; ", found.DistinctBy(d => d.Contract.ConId).Select(d =>
            $"{d.Contract.ConId} ({Reported(d)}{(d.Contract.TradingClass.Length > 0 ? ", trading class " + d.Contract.TradingClass : "")}"
            + $"{(d.Contract.PrimaryExchange.Length > 0 ? ", " + d.Contract.PrimaryExchange : "")})"));

    private static string Right(string r) => r.ToUpperInvariant() switch { "C" or "CALL" => "C", "P" or "PUT" => "P", var x => x };

    private static string Configured(Expected e) => e.Option is { } o
        ? FormattableString.Invariant($"{o.Underlying} {ContractTable.ExpiryText(o.Expiry)} {(o.Right.IsCall ? "C" : "P")} {o.Strike:0.####} (multiplier {o.Multiplier})")
        : $"{e.Symbol} (STK)";

    private static string Reported(IbContractDetails d)
    {
        var c = d.Contract;
        return c.SecType.Equals("OPT", StringComparison.OrdinalIgnoreCase)
            ? string.Create(CultureInfo.InvariantCulture, $"{c.Symbol} {d.LastTradeDateOnly} {Right(c.Right)} {c.Strike ?? 0:0.####} (multiplier {IbTranslate.Multiplier(c)})")
            : $"{c.Symbol} ({c.SecType}{(c.Currency.Length > 0 ? ", " + c.Currency : "")})";
    }
}
