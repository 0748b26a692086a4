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

    /// <summary>Writes the request's control row (the one writer of control rows: console and command line); returns its id.
    /// Store problems are thrown (<see cref="IsStoreProblem"/>); the queue is reopened on the next call, and whenever the
    /// store's path names another file than the one it opened.</summary>
    public long Enqueue(ControlRequest request)
    {
        var (kind, json) = ControlRequests.ToRow(request);
        try
        {
            if (_queue is { FileReplaced: true })
            {
                // A restore put a new file at the store's path: this connection would write to the replaced one.
                _queue.Dispose();
                _queue = null;
            }
            _queue ??= ControlQueue.Open(storePath, new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(2) });
            return _queue.Enqueue(kind, json, RequestedBy);
        }
        catch (Exception e) when (IsStoreProblem(e))
        {
            _queue?.Dispose();
            _queue = null;
            throw;
        }
    }

    public static bool IsStoreProblem(Exception e) =>
        e is StoreUnavailableException or StoreSchemaException or SqliteException or IOException or UnauthorizedAccessException;

    public UiAction Send(ControlCommandKind kind)
    {
        try
        {
            return new UiAction.ControlSent(kind, Enqueue(new ControlRequest.Simple(kind)));
        }
        catch (Exception e) when (IsStoreProblem(e))
        {
            return new UiAction.ControlFailed(kind, StoreSource.Reason(e));
        }
    }

    /// <summary>An order ticket, rebalance or book confirmation from a console form; the outcome comes back to that form.</summary>
    public UiAction Send(ControlRequest request, Screen form)
    {
        try
        {
            return new UiAction.RequestSent(form, Enqueue(request), ControlRequests.Describe(request));
        }
        catch (Exception e) when (IsStoreProblem(e))
        {
            return new UiAction.RequestFailed(form, StoreSource.Reason(e));
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
