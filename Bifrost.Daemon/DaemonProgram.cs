using System.Collections;
using Bifrost.Daemon.Configuration;
using Bifrost.Daemon.Engine;
using Bifrost.Store.Locking;
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

          run            connect to TWS / IB Gateway / the replay gateway and trade the configured book (paper by default)
          check-config   validate the configuration (file + BIFROST__SECTION__KEY environment overrides) and exit 0, or 2 naming the bad key
          --confirm-live required with "mode": "live" (and a non-DU account); without it the daemon refuses to start
        """;

    public static Task<int> RunMain(string[] args) => RunAsync(args, Environment.GetEnvironmentVariables(), CancellationToken.None);

    /// <summary>The whole program; tests call it in-process (cancel <paramref name="ct"/> = SIGTERM).</summary>
    public static async Task<int> RunAsync(string[] args, IDictionary environment, CancellationToken ct,
        Action<ILoggingBuilder>? logging = null, DaemonRuntimeOptions? runtime = null, Action<IHost>? onStarted = null)
    {
        if (args.Length == 0 || args[0] is not ("run" or "check-config"))
            return Fail(args.Length == 0 || args[0] is "-h" or "--help" ? null : $"unknown command '{args[0]}'");
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

        DaemonSettings settings;
        try
        {
            settings = ConfigLoader.Load(configPath, environment);
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

        InstanceLock instance;
        try
        {
            instance = InstanceLock.Acquire(settings.Store.Path);
        }
        catch (InstanceLockedException e)
        {
            return Refuse(e.Message);
        }
        catch (IOException e)
        {
            return Refuse($"store.path: cannot lock '{settings.Store.Path}': {e.Message}");
        }
        using (instance)
        {
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
                o.ShutdownTimeout = TimeSpan.FromTicks(cfg.Control.StopTimeout / 100) + TimeSpan.FromSeconds(15));
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton(runtime ?? new DaemonRuntimeOptions());
            builder.Services.AddSingleton<DaemonExit>();
            builder.Services.AddSingleton<DaemonService>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DaemonService>());
            using var host = builder.Build();
            await host.StartAsync(ct).ConfigureAwait(false);
            onStarted?.Invoke(host);
            await host.WaitForShutdownAsync(ct).ConfigureAwait(false);
            return host.Services.GetRequiredService<DaemonExit>().Code;
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
