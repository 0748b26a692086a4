using Bifrost.Domain.Trading;
using Microsoft.FSharp.Core;

namespace Bifrost.Daemon.PortfolioRuns;

/// <summary>
/// The daemon's answer to <c>LoadPortfolioSignals</c>: the newest signals file of <c>portfolio.signals_dir</c> — the
/// <c>.csv</c> or <c>.json</c> file (not hidden: a file being written as <c>.name.tmp</c> and renamed is never half
/// read) with the latest modification time, ties broken by name — with its exact text, or why there is none. The
/// reducer decides what a missing file means (the slot fails, with an alert); nothing here throws.
/// </summary>
public static class SignalsDirectory
{
    public static PortfolioSignalsLoad Newest(string slotId, string dir)
    {
        try
        {
            var info = new DirectoryInfo(dir);
            if (!info.Exists) return Fail(slotId, $"signals_dir '{dir}' does not exist");
            var newest = info.EnumerateFiles()
                .Where(f => !f.Name.StartsWith('.')
                            && (f.Extension.Equals(".csv", StringComparison.OrdinalIgnoreCase) || f.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase)))
                .OrderByDescending(f => f.LastWriteTimeUtc).ThenByDescending(f => f.Name, StringComparer.Ordinal)
                .FirstOrDefault();
            if (newest is null) return Fail(slotId, $"no signals file (*.csv, *.json) in '{dir}'");
            if (newest.Length > PortfolioRunArgs.MaxSignalsBytes)
                return Fail(slotId, $"'{newest.Name}' is {newest.Length} bytes, more than {PortfolioRunArgs.MaxSignalsBytes}");
            var text = File.ReadAllText(newest.FullName);
            return new PortfolioSignalsLoad(slotId, FSharpResult<Tuple<string, string>, string>.NewOk(Tuple.Create(newest.Name, text)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return Fail(slotId, $"cannot read signals_dir '{dir}': {e.Message}");
        }
    }

    private static PortfolioSignalsLoad Fail(string slotId, string why) =>
        new(slotId, FSharpResult<Tuple<string, string>, string>.NewError(why));
}
