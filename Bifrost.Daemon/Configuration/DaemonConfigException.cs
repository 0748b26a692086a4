namespace Bifrost.Daemon.Configuration;

/// <summary>A configuration problem, naming the key path (e.g. <c>connection.port</c>). The daemon prints it and exits 2.</summary>
public sealed class DaemonConfigException(string key, string problem) : Exception($"{key}: {problem}")
{
    public string Key { get; } = key;
    public string Problem { get; } = problem;
}
