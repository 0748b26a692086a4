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
    /// <summary>How long the newest file must have been left unmodified before a slot builds from it.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    /// <summary>The newest file for a slot's build at wall-clock <paramref name="nowUtc"/>. A file modified less than
    /// <see cref="Settle"/> before may still be being written straight into the directory: read then, its first rows
    /// parse as a whole portfolio and the missing symbols are silently held. It is refused (the slot fails, naming it),
    /// not passed over for an older file: that would trade a decision the producer has just replaced.</summary>
    public static PortfolioSignalsLoad Newest(string slotId, string dir, DateTime nowUtc)
    {
        var (file, error) = NewestFile(dir);
        if (file is null) return new PortfolioSignalsLoad(slotId, Error(error!));
        var age = nowUtc - file.LastWriteTimeUtc;
        if (age < Settle)
            return new PortfolioSignalsLoad(slotId, Error(
                $"signals file '{file.Name}' is still being written (modified {age.TotalSeconds:F1} s ago, under {Settle.TotalSeconds:F0} s): " +
                "not used; a producer writes a hidden temp file (.name.tmp) and renames it into signals_dir"));
        return new PortfolioSignalsLoad(slotId, Read(dir, file));
    }

    /// <summary>The newest signals file, or why there is none (never throws).</summary>
    internal static (FileInfo? File, string? Error) NewestFile(string dir)
    {
        try
        {
            var info = new DirectoryInfo(dir);
            if (!info.Exists) return (null, $"signals_dir '{dir}' does not exist");
            // A file deleted between the listing and its stat is listed without a status (no time, and a Length that
            // throws FileNotFoundException out of the clock's watch): it is gone, so it is not a candidate. A listed
            // file's status is taken once, so one deleted later still answers from it.
            var newest = info.EnumerateFiles()
                .Where(f => !f.Name.StartsWith('.')
                            && (f.Extension.Equals(".csv", StringComparison.OrdinalIgnoreCase) || f.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
                            && f.Exists)
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
