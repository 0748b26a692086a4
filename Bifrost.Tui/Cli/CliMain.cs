using Bifrost.Store.Records;
using Bifrost.Tui.App;
using Bifrost.Tui.Model;

namespace Bifrost.Tui.Cli;

/// <summary>Dispatch of the command line (tests call it with their own writers and clock).</summary>
internal static class CliMain
{
    public static int Run(IReadOnlyList<string> argv, TextWriter stdout, TextWriter stderr, Func<long>? clock = null)
    {
        var now = clock ?? UnixNanos.Now;
        try
        {
            var args = Arguments.Parse(argv);
            if (args.Has("--help"))
            {
                stdout.WriteLine(Arguments.Usage);
                return 0;
            }
            return args.Command switch
            {
                "status" => StatusCommand.Run(args, stdout, now()),
                "ops" => OpsCommand.Run(args, stdout, stderr, now()),
                "order" or "flatten-all" or "rebalance" or "cancel" or "confirm-book" => ControlCommandLine.Run(args, stdout, stderr, now),
                "runs" => QueryCommands.Runs(args, stdout, stderr),
                "alerts" => QueryCommands.Alerts(args, stdout, stderr, now()),
                "stats" => QueryCommands.Stats(args, stdout, stderr),
                "portfolio-run" => PortfolioCommands.Run(args, stdout, stderr),
                "portfolio-runs" => PortfolioCommands.Runs(args, stdout, stderr),
                _ => MonitorApp.Run(new MonitorOptions(
                    args.StorePath,
                    args.Number("--refresh-hz", 2, 0.1, 30),
                    TimeSpan.FromSeconds(args.Number("--silent-after", MonitorSettings.DefaultSilentAfter.TotalSeconds, 0.1, 86_400)),
                    args.Color,
                    args.Zone)),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"bifrost-tui: {e.Message}");
            stderr.WriteLine(Arguments.Usage);
            return Arguments.UsageExit;
        }
    }
}
