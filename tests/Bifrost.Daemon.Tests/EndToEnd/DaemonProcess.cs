using Bifrost.Tests.Shared;

namespace Bifrost.Daemon.Tests.EndToEnd;

/// <summary>The daemon as a separate process (so it can be SIGKILLed, and so it has its own pid), output collected; a
/// <see cref="TestChild"/>, so it never outlives the test. Prefer <see cref="DaemonHarness.StartProcess"/>, which also
/// kills it when the harness is disposed.</summary>
public static class DaemonProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "bifrost-daemon.dll");

    public static TestChild Start(string config, IDictionary<string, string>? environment = null, Action<string>? onLine = null) =>
        TestChild.Start("dotnet", ["exec", Dll, "run", "--config", config], environment, onLine);
}
