using System.Collections;
using System.Runtime.InteropServices;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Engine;
using Bifrost.Store.Locking;
using Bifrost.Store.Maintenance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon;

/// <summary>
/// <c>bifrost-daemon run --config FILE [--confirm-live]</c> and <c>bifrost-daemon check-config --config FILE</c>.
/// Exit codes: 0 stopped cleanly / config valid; 2 refused (bad config, live-mode guard, account mismatch, second
/// instance, unresolvable contract); 1 crashed (systemd restarts it). Everything that can be checked without a broker
/// is checked before connecting to anything.
/// </summary>
public static class DaemonProgram
{
    public const string Usage = """
        usage: bifrost-daemon run --config FILE [--confirm-live]
               bifrost-daemon check-config --config FILE
               bifrost-daemon backup (--config FILE | --store DB) --to NEW.db
               bifrost-daemon restore (--config FILE | --store DB) --from BACKUP.db
               bifrost-daemon prune (--config FILE | --store DB) [--days N]
               bifrost-daemon rebuild-store --from DAMAGED.db --to NEW.db
               bifrost-daemon --help

          run            connect to TWS / IB Gateway / the replay gateway and trade the configured book (paper by default);
                         the store is checked (header, WAL, PRAGMA quick_check) before anything connects
          check-config   validate the configuration (file + BIFROST__SECTION__KEY environment overrides) and exit 0, or 2 naming the bad key
          backup         consistent copy of the store (SQLite online backup), safe while the daemon runs; the copy is 0600 and checked
          restore        put a backup in the stopped daemon's store's place; the replaced store (with its -wal) is kept beside it
          prune          delete guard-block operations and status history older than N days (default store.retention_days);
                         orders, fills and every position-changing operation are kept forever (the daemon also prunes at start)
          rebuild-store  salvage every readable row of a damaged store into a new one (and carry its order journal over);
                         the next start merges the journal and reconciles today's executions with the broker
          --confirm-live required with "mode": "live" (and a non-DU account); without it the daemon refuses to start
        exit codes: 0 ok / stopped cleanly, 2 refused (bad config or arguments, damaged store, live-mode guard, second instance), 1 crashed
        """;

    public static Task<int> RunMain(string[] args) => RunAsync(args, Environment.GetEnvironmentVariables(), CancellationToken.None);

    /// <summary>The whole program; tests call it in-process (cancel <paramref name="ct"/> = SIGTERM).</summary>
    public static async Task<int> RunAsync(string[] args, IDictionary environment, CancellationToken ct,
        Action<ILoggingBuilder>? logging = null, DaemonRuntimeOptions? runtime = null, Action<IHost>? onStarted = null)
    {
        if (args.Any(a => a is "-h" or "--help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        if (args.Length > 0 && args[0] is "backup" or "restore" or "prune" or "rebuild-store") return StoreCommands.Run(args, environment);
        if (args.Length == 0 || args[0] is not ("run" or "check-config"))
            return Fail(args.Length == 0 ? null : $"unknown command '{args[0]}'");
        string? configPath = null;
        var confirmLive = false;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    configPath = args[++i];
                    break;
                case "--confirm-live":
                    confirmLive = true;
                    break;
                default:
                    return Fail($"unexpected argument '{args[i]}'");
            }
        }
        if (configPath is null) return Fail("--config FILE is required");

        // SIGHUP (a stray kill -HUP, a log rotation's hook, a closed terminal): there is no reload, and the runtime's
        // default ends the process on the spot, without its exit path; systemd counts death by SIGHUP as a clean exit,
        // so Restart=on-failure left the book unwatched. Ignored from here, not from the host's build: a SIGHUP while
        // the config was read or the store checked (most of a second, longer on a big store) still ended the start.
        ILogger? hangupLog = null;
        using var hangup = args[0] == "run"
            ? PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
            {
                c.Cancel = true;
                if (hangupLog is { } log) Bifrost.Daemon.Logging.Log.HangupIgnored(log);
                else Console.Error.WriteLine("bifrost-daemon: SIGHUP received and ignored while starting: the daemon has no configuration reload");
            })
            : null;

        DaemonSettings settings;
        try
        {
            settings = ConfigLoader.Load(configPath, environment);
            AlertsConfig.CheckPrograms(settings.Alerts);
        }
        catch (DaemonConfigException e)
        {
            await Console.Error.WriteLineAsync($"bifrost-daemon: configuration error: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        var cfg = settings.Preview;
        if (args[0] == "check-config")
        {
            Console.WriteLine($"configuration ok: run {cfg.RunId}, {(cfg.Mode.IsLive ? "live" : "paper")} account {cfg.Account}, " +
                $"{cfg.Strategy.Underlying.Symbol} with {cfg.Strategy.Legs.Length} legs, broker {settings.Connection.Host}:{settings.Connection.Port} " +
                $"client {settings.Connection.ClientId}, store {settings.Store.Path}, clock {settings.Daemon.Clock.ToString().ToLowerInvariant()}" +
                (settings.Unresolved.Count > 0 ? $", {settings.Unresolved.Count} contract id(s) resolved at startup" : ""));
            return 0;
        }

        // Paper by default (IBC #29, Lean #9496): live needs the config, a non-paper account and the command-line flag.
        if (cfg.Mode.IsLive && !confirmLive) return Refuse("mode is live but --confirm-live was not given");
        if (cfg.Mode.IsLive && (cfg.Account.StartsWith("DU", StringComparison.Ordinal) || cfg.Account.StartsWith("DF", StringComparison.Ordinal)))
            return Refuse($"mode is live but account {cfg.Account} is a paper (DU) account");
        if (!cfg.Mode.IsLive && confirmLive) return Refuse("--confirm-live given but the configuration's mode is paper");

        // A mistyped store.path would start a new, empty store that remembers no pause, halt, booked order or the day's
        // P&L; a missing directory is the common form of that mistake, so the daemon never creates one.
        var storeDir = Path.GetDirectoryName(Path.GetFullPath(settings.Store.Path));
        if (!string.IsNullOrEmpty(storeDir) && !Directory.Exists(storeDir))
            return Refuse($"store.path: the directory '{storeDir}' does not exist; correct the path, or create the directory " +
                "for a first start (mkdir -p; systemd's StateDirectory= does it for the unit) — a new store remembers no pause, halt or the day's P&L");

        // One engine per account per host and one per store (by its real path), both before anything connects.
        LockFile accountLock, storeLock;
        try
        {
            StoreFileSystem.RequireWritable(settings.Store.Path);
            accountLock = AccountLock.Acquire(settings.LockDirectory, cfg.Account, settings.Store.Path);
        }
        catch (StoreReadOnlyException e)
        {
            return Refuse(e.Message);
        }
        catch (InstanceLockedException e)
        {
            return Refuse(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Refuse($"daemon.lock_dir: cannot lock account {cfg.Account} in '{settings.LockDirectory}': {e.Message}");
        }
        try
        {
            storeLock = InstanceLock.Acquire(settings.Store.Path, cfg.Account);
        }
        catch (InstanceLockedException e)
        {
            accountLock.Dispose();
            return Refuse(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            accountLock.Dispose();
            return Refuse($"store.path: cannot lock '{settings.Store.Path}': {e.Message}");
        }
        using (accountLock)
        using (storeLock)
        {
            // Under the lock, before anything connects: a damaged store or journal is refused with how to recover.
            try
            {
                StoreIntegrity.Check(settings.Store.Path);
                StoreFileSystem.RequireWritableStore(settings.Store.Path);
                OrderJournal.Read(OrderJournal.PathFor(settings.Store.Path), OrderJournal.KnownMark(settings.Store.Path));
            }
            catch (Exception e) when (e is StoreCorruptException or JournalCorruptException or StoreNotWritableException or StoreReadOnlyException)
            {
                return Refuse(e.Message);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
            {
                return Refuse($"store.path: '{settings.Store.Path}' cannot be opened: {e.Message}");
            }
            // One engine per store: another run_id, account or mode would read this one's book as its own.
            try
            {
                if (StoreIdentity.Problem(settings.Store.Path, cfg) is { } foreign) return Refuse(foreign);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or Bifrost.Store.StoreUnavailableException)
            {
                return Refuse($"store.path: '{settings.Store.Path}' cannot be read: {e.Message}");
            }
            Prune(settings);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ApplicationName = "bifrost-daemon" });
            builder.Logging.ClearProviders();
            if (logging is null)
            {
                builder.Logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
                    o.UseUtcTimestamp = true;
                });
            }
            else logging(builder.Logging);
            builder.Services.Configure<HostOptions>(o =>
                o.ShutdownTimeout = TimeSpan.FromTicks(cfg.Control.StopTimeout / 100) + TimeSpan.FromSeconds(15)
                    + (settings.Store.CommissionWait ?? TimeSpan.Zero));
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton(runtime ?? new DaemonRuntimeOptions());
            builder.Services.AddSingleton<DaemonExit>();
            builder.Services.AddSingleton<DaemonService>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DaemonService>());
            using var host = builder.Build();
            hangupLog = host.Services.GetRequiredService<ILogger<DaemonService>>();
            try
            {
                await host.StartAsync(ct).ConfigureAwait(false);
                onStarted?.Invoke(host);
                await host.WaitForShutdownAsync(ct).ConfigureAwait(false);
                return host.Services.GetRequiredService<DaemonExit>().Code;
            }
            finally
            {
                hangupLog = null; // the host's loggers go with it: a SIGHUP from here on is told on stderr
            }
        }
    }

    /// <summary>Retention at start (store.retention_days). Best effort: a store without tables yet, or a busy one, is
    /// pruned at a later start; it never stops the daemon.</summary>
    private static void Prune(DaemonSettings settings)
    {
        if (!File.Exists(settings.Store.Path) || new FileInfo(settings.Store.Path).Length == 0) return;
        try
        {
            var pruned = StoreRetention.Prune(settings.Store.Path, TimeSpan.FromDays(settings.Store.RetentionDays));
            if (pruned.GuardBlocks + pruned.StatusHistory > 0)
                Console.Error.WriteLine($"bifrost-daemon: retention: pruned {pruned.GuardBlocks} guard-block operation(s) and " +
                    $"{pruned.StatusHistory} status-history row(s) older than {settings.Store.RetentionDays} days");
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            Console.Error.WriteLine($"bifrost-daemon: retention skipped: {e.Message}");
        }
    }

    private static int Fail(string? problem)
    {
        if (problem is not null) Console.Error.WriteLine($"bifrost-daemon: {problem}");
        Console.Error.WriteLine(Usage);
        return 2;
    }

    private static int Refuse(string reason)
    {
        Console.Error.WriteLine($"bifrost-daemon: refusing to start: {reason}");
        return 2;
    }
}
