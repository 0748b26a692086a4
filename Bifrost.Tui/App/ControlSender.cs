using Bifrost.Store;
using Bifrost.Store.Control;
using Bifrost.Store.Records;
using Bifrost.Tui.Input;
using Bifrost.Tui.Model;
using Microsoft.Data.Sqlite;

namespace Bifrost.Tui.App;

/// <summary>
/// Performs <see cref="UiEffect.EnqueueControl"/>: the one write the monitor makes, to the control queue. The outcome
/// comes back as an action (sent with its id, or failed with the reason), never as an exception.
/// </summary>
internal sealed class ControlSender(string storePath, string requestedBy) : IDisposable
{
    private ControlQueue? _queue;

    public string RequestedBy { get; } = requestedBy;

    public UiAction Send(ControlCommandKind kind)
    {
        try
        {
            _queue ??= ControlQueue.Open(storePath, new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(2) });
            return new UiAction.ControlSent(kind, _queue.Enqueue(kind, "{}", RequestedBy));
        }
        catch (Exception e) when (e is StoreUnavailableException or StoreSchemaException or SqliteException or IOException or UnauthorizedAccessException)
        {
            _queue?.Dispose();
            _queue = null;
            return new UiAction.ControlFailed(kind, StoreSource.Reason(e));
        }
    }

    /// <summary>"user@host/tui", plus the SSH client's address when run over SSH.</summary>
    public static string DefaultRequester()
    {
        var who = $"{Environment.UserName}@{Environment.MachineName}/tui";
        var ssh = Environment.GetEnvironmentVariable("SSH_CONNECTION")?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return ssh is { Length: > 0 } ? $"{who} ssh {ssh[0]}" : who;
    }

    public void Dispose() => _queue?.Dispose();
}
