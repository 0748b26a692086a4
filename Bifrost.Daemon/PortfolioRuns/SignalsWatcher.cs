using Bifrost.Domain.Trading;

namespace Bifrost.Daemon.PortfolioRuns;

/// <summary>
/// The watch on <c>portfolio.signals_dir</c>: polled from the ticker (off the engine thread), it reports the newest
/// signals file once each time it changes (name, modification time or size) — and a directory problem once per
/// distinct message — as <c>PortfolioSignalsArrived</c>, which the reducer checks at once. Polling, not inotify: it
/// works on every filesystem the directory may live on (NFS, a synced folder) and a missed event cannot hide a file.
/// </summary>
public sealed class SignalsWatcher(string dir)
{
    private (string Name, DateTime Written, long Length)? _seen;
    private string? _lastError;

    public string Directory => dir;

    /// <summary>The last report was not delivered (the engine's queue was full): report the current state again.</summary>
    public void Forget()
    {
        _seen = null;
        _lastError = null;
    }

    /// <summary>The event to post, or null when nothing changed since the last poll.</summary>
    public EventPayload? Poll()
    {
        var (file, error) = SignalsDirectory.NewestFile(dir);
        if (file is null)
        {
            // "No file yet" is the normal state of an empty directory, not a problem to alert on.
            if (error == _lastError || error!.StartsWith("no signals file", StringComparison.Ordinal)) return null;
            _lastError = error;
            return EventPayload.NewPortfolioSignalsArrived(Microsoft.FSharp.Core.FSharpResult<Tuple<string, string>, string>.NewError(error));
        }
        _lastError = null;
        var key = (file.Name, file.LastWriteTimeUtc, file.Length);
        if (_seen == key) return null;
        _seen = key;
        return EventPayload.NewPortfolioSignalsArrived(SignalsDirectory.Read(dir, file));
    }
}
