namespace Bifrost.Tui.Tests.Terminal;

/// <summary>
/// The monitor process the terminal test runs, and the store it watches. By default the bifrost-tui built next to this
/// test assembly; BIFROST_TUI_CMD overrides the command (the store arguments are appended).
/// </summary>
public sealed record MonitorUnderTest(string StorePath, string Command)
{
    public static MonitorUnderTest Built(string storePath, params string[] options)
    {
        var command = Environment.GetEnvironmentVariable("BIFROST_TUI_CMD") is { Length: > 0 } custom
            ? custom
            : $"{Quote(DotnetHost())} {Quote(Path.Combine(AppContext.BaseDirectory, "bifrost-tui.dll"))}";
        var args = string.Join(' ', new[] { "--store", storePath }.Concat(options).Select(Quote));
        return new MonitorUnderTest(storePath, $"{command} {args}");
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}

/// <summary>
/// What writes the store and takes control commands. Here a fake daemon on the real StoreWriter and ControlQueue; the
/// daemon + replay gateway version implements the same three steps with processes and the gateway ledger.
/// </summary>
public interface IDaemonUnderTest : IDisposable
{
    string StorePath { get; }

    /// <summary>Store written, heartbeat running, control queue served.</summary>
    void Start();

    /// <summary>After a confirmed stop: the daemon has exited and placed no order since (fails otherwise).</summary>
    void AssertStopped(TimeSpan timeout);
}

/// <summary>What the screen must show for this daemon.</summary>
public sealed record ScreenExpectations(string LightCaption, string Position, string OperationsScreenText);
