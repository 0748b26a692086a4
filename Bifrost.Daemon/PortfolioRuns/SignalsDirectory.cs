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
        var (file, error) = NewestFile(dir);
        return new PortfolioSignalsLoad(slotId, file is null ? Error(error!) : Read(dir, file));
    }

    /// <summary>The newest signals file, or why there is none (never throws).</summary>
    internal static (FileInfo? File, string? Error) NewestFile(string dir)
    {
        try
        {
            var info = new DirectoryInfo(dir);
            if (!info.Exists) return (null, $"signals_dir '{dir}' does not exist");
            var newest = info.EnumerateFiles()
                .Where(f => !f.Name.StartsWith('.')
                            && (f.Extension.Equals(".csv", StringComparison.OrdinalIgnoreCase) || f.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase)))
                .OrderByDescending(f => f.LastWriteTimeUtc).ThenByDescending(f => f.Name, StringComparer.Ordinal)
                .FirstOrDefault();
            return newest is null ? (null, $"no signals file (*.csv, *.json) in '{dir}'") : (newest, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return (null, $"cannot read signals_dir '{dir}': {e.Message}");
        }
    }

    /// <summary>The file's name and exact text, or why it cannot be used (too large, unreadable).</summary>
    internal static FSharpResult<Tuple<string, string>, string> Read(string dir, FileInfo file)
    {
        try
        {
            if (file.Length > PortfolioRunArgs.MaxSignalsBytes)
                return Error($"'{file.Name}' is {file.Length} bytes, more than {PortfolioRunArgs.MaxSignalsBytes}");
            var (text, error) = SignalsFile.Read(file.FullName);
            return text is null ? Error(error!) : FSharpResult<Tuple<string, string>, string>.NewOk(Tuple.Create(file.Name, text));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return Error($"cannot read signals_dir '{dir}': {e.Message}");
        }
    }

    private static FSharpResult<Tuple<string, string>, string> Error(string why) => FSharpResult<Tuple<string, string>, string>.NewError(why);
}
