using Bifrost.Tui.Cli;

namespace Bifrost.Tui;

/// <summary>
/// bifrost-tui: the monitor &amp; control terminal UI over the daemon's SQLite store (read-only, except the control queue).
/// Model/ builds the view model from store rows, Views/ renders it with Spectre.Console, Input/ maps keys to actions
/// and updates the UI state, App/ runs the loop on the terminal, Cli/ parses the command line and the script outputs.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => CliMain.Run(args, Console.Out, Console.Error);
}
