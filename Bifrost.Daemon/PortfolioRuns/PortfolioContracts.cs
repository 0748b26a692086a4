using Bifrost.Daemon.Broker;
using Bifrost.Daemon.Engine;
using Bifrost.Daemon.Logging;
using Bifrost.Domain;
using Bifrost.Domain.PortfolioRuns;
using Bifrost.Ib.Messages.Model;
using Microsoft.Extensions.Logging;
using Microsoft.FSharp.Collections;

namespace Bifrost.Daemon.PortfolioRuns;

/// <summary>Resolves the portfolio universe at the broker (one reqContractDetails per symbol, exactly one stock each, else
/// the daemon refuses to start, like an unresolvable leg) and adds the symbols to the contract table.</summary>
public static class PortfolioContracts
{
    public static async Task<(PortfolioSetup Setup, ContractTable Contracts)> ResolveAsync(PortfolioSettings settings, IbBroker broker,
        ContractTable scalper, ILogger logger, CancellationToken ct)
    {
        var ids = new List<Tuple<string, ContractId>>();
        var infos = new List<ContractInfo>(scalper.All);
        foreach (var (symbol, i) in settings.Universe.Select((s, i) => (s, i)))
        {
            var description = $"portfolio.universe[{i}] ({symbol})";
            IReadOnlyList<IbContractDetails> found;
            try
            {
                found = await broker.DetailsAsync(IbContract.Stock(symbol), TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (BrokerUnansweredException.IsUnanswered(e))
            {
                throw new BrokerUnansweredException($"{description}: contract lookup not answered: {e.Message}", e);
            }
            catch (InvalidOperationException e)
            {
                throw new DaemonRefusedException($"{description}: contract lookup failed: {e.Message}");
            }
            var distinct = found.Select(d => d.Contract.ConId).Distinct().ToList();
            if (distinct.Count != 1)
                throw new DaemonRefusedException($"{description}: {distinct.Count} stocks match at the broker (expected exactly one)"
                    + (distinct.Count > 1 ? ": " + ContractVerification.Candidates(found) : ""));
            var id = distinct[0];
            if (OwnerConflict(description, id, scalper, ids) is { } conflict) throw new DaemonRefusedException(conflict);
            Log.ContractResolved(logger, description, id);
            ids.Add(Tuple.Create(symbol, ContractIdModule.create(id).ResultValue));
            infos.Add(new ContractInfo(id, IbContract.Stock(symbol) with { ConId = id }, symbol, "STK", 1, symbol));
        }
        return (new PortfolioSetup(settings, MapModule.OfSeq(ids)), new ContractTable(infos));
    }

    /// <summary>Why a resolved universe contract cannot be taken (null: it can). One owner per contract: not the
    /// scalper's, and not a contract another universe symbol already resolved to (two symbols on one contract would
    /// each count its shares as their own, and a run would size both on one position).</summary>
    public static string? OwnerConflict(string description, int id, ContractTable scalper, IReadOnlyList<Tuple<string, ContractId>> resolved)
    {
        if (scalper.Find(id) is not null) return $"{description}: contract {id} belongs to the gamma scalper (one owner per contract)";
        var other = resolved.FirstOrDefault(r => ContractIdModule.value(r.Item2) == id);
        return other is null ? null
            : $"{description}: contract {id} is also portfolio symbol {other.Item1} (one contract per symbol: list it once)";
    }
}
