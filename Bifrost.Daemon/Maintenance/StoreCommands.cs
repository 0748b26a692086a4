using System.Collections;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Engine;
using Bifrost.Store.Maintenance;
using Microsoft.Data.Sqlite;

namespace Bifrost.Daemon;

/// <summary>
/// The store's maintenance commands: <c>backup</c> (online, safe while the daemon runs), <c>restore</c> (a backup in the
/// stopped daemon's store's place), <c>prune</c> (retention of high-volume rows) and <c>rebuild-store</c> (salvage a damaged
/// store). Exit 0 done, 2 refused with the reason.
/// </summary>
public static class StoreCommands
{
    public static int Run(string[] args, IDictionary environment)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] is "--config" or "--store" or "--to" or "--from" or "--days" && i + 1 < args.Length) options[args[i]] = args[++i];
            else return Fail($"{args[0]}: unexpected argument '{args[i]}'");
        }
        try
        {
            return args[0] switch
            {
                "backup" => Backup(StorePath(options, environment), Required(options, "--to")),
                "restore" => Restore(Required(options, "--from"), StorePath(options, environment)),
                "prune" => Prune(StorePath(options, environment), Days(options, environment)),
                _ => Rebuild(Required(options, "--from"), Required(options, "--to")),
            };
        }
        catch (Exception e) when (e is ArgumentException or DaemonConfigException or IOException or UnauthorizedAccessException or SqliteException
                                       or Bifrost.Store.StoreSchemaException or Bifrost.Store.StoreUnavailableException
                                       or Bifrost.Store.Locking.InstanceLockedException)
        {
            return Fail($"{args[0]}: {e.Message}");
        }
    }

    private static int Backup(string store, string to)
    {
        var bytes = StoreBackup.Run(store, to);
        Console.WriteLine($"backup of '{store}' written to '{to}' ({bytes:N0} bytes, mode 0600, quick_check ok)");
        return 0;
    }

    private static int Restore(string from, string store)
    {
        var report = BackupRestore.Run(from, store);
        Console.WriteLine($"backup '{from}' restored to '{store}' ({report.Bytes:N0} bytes, mode 0600, quick_check ok)");
        if (report.ReplacedKeptAs is { } aside)
            Console.WriteLine($"the replaced store was kept whole as '{aside}' (with its -wal and -shm, if any); delete it once you no longer need it");
        Console.WriteLine("the next start merges the order journal and reconciles positions, open orders and today's executions with the broker");
        return 0;
    }

    private static int Prune(string store, int days)
    {
        if (!File.Exists(store)) throw new IOException($"'{store}' does not exist");
        var p = StoreRetention.Prune(store, TimeSpan.FromDays(days));
        Console.WriteLine($"pruned {p.GuardBlocks} guard-block operation(s) and {p.StatusHistory} status-history row(s) older than {days} days from '{store}'");
        return 0;
    }

    private static int Rebuild(string from, string to)
    {
        var report = StoreSalvage.Run(from, to);
        foreach (var line in report.Tables) Console.WriteLine(line);
        // Carried over unchanged, each merged into the new store by the next start: the order journal, and the engine
        // memory the damaged store refused (a halt, a pause).
        CarryOver(OrderJournal.PathFor(from), OrderJournal.PathFor(to), "order journal", "merged at the next start");
        CarryOver(PendingMemory.PathFor(from), PendingMemory.PathFor(to), "pending engine memory", "put into the store at the next start");
        Console.WriteLine($"rebuilt store '{to}': point store.path at it; the next start reconciles positions, open orders and today's executions with the broker");
        return 0;
    }

    private static void CarryOver(string from, string to, string what, string then)
    {
        if (!File.Exists(from) || new FileInfo(from).Length == 0) return;
        using (var src = File.OpenRead(from))
        using (var dst = OwnerOnlyFile.Open(to, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            src.CopyTo(dst);
        Console.WriteLine($"{what} copied to '{to}' ({then})");
    }

    private static string StorePath(Dictionary<string, string> o, IDictionary environment)
    {
        if (o.TryGetValue("--store", out var store)) return store;
        if (o.TryGetValue("--config", out var config)) return ConfigLoader.Load(config, environment).Store.Path;
        throw new ArgumentException("--config FILE or --store DB is required");
    }

    private static int Days(Dictionary<string, string> o, IDictionary environment)
    {
        if (o.TryGetValue("--days", out var text))
            return int.TryParse(text, out var d) && d is >= 1 and <= 36_500 ? d : throw new ArgumentException($"--days must be a whole number in 1..36500, got '{text}'");
        return o.TryGetValue("--config", out var config) ? ConfigLoader.Load(config, environment).Store.RetentionDays : 30;
    }

    private static string Required(Dictionary<string, string> o, string key) =>
        o.TryGetValue(key, out var v) ? v : throw new ArgumentException($"{key} is required");

    private static int Fail(string problem)
    {
        Console.Error.WriteLine($"bifrost-daemon: {problem}");
        Console.Error.WriteLine(DaemonProgram.Usage);
        return 2;
    }
}
