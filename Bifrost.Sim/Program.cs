using System.CommandLine;
using Bifrost.Sim.Cli;

namespace Bifrost.Sim;

public static class Program
{
    /// <summary>bifrost-sim: each sub-command lives in Cli/ and registers here.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("bifrost-sim: synthetic tick data, Parquet inspection, backtests, sweeps and the replay gateway.");
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(BacktestCommand.Create());
        root.Subcommands.Add(SweepCommand.Create());
        root.Subcommands.Add(MergeCommand.Create());
        root.Subcommands.Add(GatewayCommand.Create());
        var parsed = root.Parse(args);
        var code = parsed.Invoke();
        // A usage error (unknown option, missing or malformed value) is bad input like any other refusal: exit 2, as
        // the daemon and the TUI do; System.CommandLine's own exit code for it is 1. The error text is kept.
        return parsed.Errors.Count > 0 ? 2 : code;
    }
}
