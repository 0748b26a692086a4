using System.Threading.Channels;
using Bifrost.Daemon.Logging;
using Bifrost.Store.Records;
using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Alerts;

/// <summary>
/// Delivers every alert to every configured channel without ever blocking the engine loop: <see cref="Post"/> only
/// writes to a bounded queue (a full queue is itself recorded as a failed delivery and logged); one background worker
/// sends each alert to all channels at once, retrying each with doubling backoff, and records the outcome per channel in
/// alert_deliveries (sent / failed + reason + attempts). On stop it drains for a bounded time, then gives up and records
/// what it could not send.
/// </summary>
public sealed class AlertNotifier : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    private readonly AlertSettings _settings;
    private readonly IReadOnlyList<IAlertChannel> _channels;
    private readonly Action<AlertHandle, AlertDeliveryRecord> _record;
    private readonly AlertJson _json;
    private readonly ILogger _logger;
    private readonly Channel<(AlertRecord Alert, AlertHandle Handle)> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;
    private long _dropped;

    public AlertNotifier(AlertSettings settings, IReadOnlyList<IAlertChannel> channels, Action<AlertHandle, AlertDeliveryRecord> record,
        AlertJson json, ILogger logger)
    {
        _settings = settings;
        _channels = channels;
        _record = record;
        _json = json;
        _logger = logger;
        _queue = Channel.CreateBounded<(AlertRecord, AlertHandle)>(new BoundedChannelOptions(settings.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: a full queue is reported to Post, which records it
        });
        _worker = channels.Count == 0 ? Task.CompletedTask : Task.Run(RunAsync);
    }

    /// <summary>Alerts refused because the queue was full (each also recorded as a failed delivery).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues an alert for delivery; never blocks. Alerts below alerts.min_severity are not sent.</summary>
    public void Post(AlertRecord alert, AlertHandle handle)
    {
        if (_channels.Count == 0 || alert.Severity < _settings.MinSeverity) return;
        if (_queue.Writer.TryWrite((alert, handle))) return;
        Interlocked.Increment(ref _dropped);
        Log.AlertDropped(_logger, alert.Code, _settings.QueueCapacity);
        foreach (var c in _channels)
            _record(handle, new AlertDeliveryRecord(0, c.Name, DeliveryStatus.Failed, 0,
                $"not sent: the notifier queue is full ({_settings.QueueCapacity} alerts waiting)", Bifrost.Daemon.Engine.EngineClock.WallNanos()));
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var (alert, handle) in _queue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                // One bad alert or channel must never end the loop: every later alert (criticals too) would wait forever.
                try
                {
                    await WaitForIdAsync(handle).ConfigureAwait(false);
                    var json = _json.Serialize(alert, handle.Id);
                    await Task.WhenAll(_channels.Select(c => DeliverIsolatedAsync(c, alert, handle, json))).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    foreach (var c in _channels) RecordCrash(c, alert, handle, e);
                }
            }
        }
        catch (Exception e)
        {
            Log.NotifierFailed(_logger, e); // a bug: never take the daemon down for it
        }
    }

    private async Task DeliverIsolatedAsync(IAlertChannel channel, AlertRecord alert, AlertHandle handle, string json)
    {
        try
        {
            await DeliverAsync(channel, alert, handle, json).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            RecordCrash(channel, alert, handle, e);
        }
    }

    // An exception no channel is meant to throw: a failed delivery for this alert, and a bug to log with its stack.
    private void RecordCrash(IAlertChannel channel, AlertRecord alert, AlertHandle handle, Exception e)
    {
        var reason = $"notifier error: {e.GetType().Name}: {e.Message}";
        Log.DeliveryCrashed(_logger, alert.Code, channel.Name, e);
        try
        {
            _record(handle, new AlertDeliveryRecord(0, channel.Name, DeliveryStatus.Failed, 0, reason, Bifrost.Daemon.Engine.EngineClock.WallNanos()));
        }
        catch (Exception recordError)
        {
            Log.DeliveryCrashed(_logger, alert.Code, channel.Name, recordError);
        }
    }

    // The alert's row id is in the JSON when the store has written it by now (it usually has, within a batch).
    private async Task WaitForIdAsync(AlertHandle handle)
    {
        for (var i = 0; i < 25 && handle.Id == 0 && !_stop.IsCancellationRequested; i++)
        {
            try { await Task.Delay(20, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
    }

    private async Task DeliverAsync(IAlertChannel channel, AlertRecord alert, AlertHandle handle, string json)
    {
        var delay = _settings.Backoff;
        var attempts = 0;
        var reason = "";
        while (attempts <= _settings.Retries)
        {
            if (_stop.IsCancellationRequested)
            {
                reason = (reason.Length > 0 ? reason + "; " : "") + "gave up: daemon stopping";
                break;
            }
            attempts++;
            try
            {
                await channel.SendAsync(json, _stop.Token).ConfigureAwait(false);
                Log.AlertDelivered(_logger, alert.Code, channel.Name, attempts);
                _record(handle, new AlertDeliveryRecord(0, channel.Name, DeliveryStatus.Sent, attempts, "", Bifrost.Daemon.Engine.EngineClock.WallNanos()));
                return;
            }
            catch (Exception e) when (e is DeliveryFailedException or OperationCanceledException or IOException or InvalidOperationException)
            {
                reason = e.Message;
                Log.AlertAttemptFailed(_logger, alert.Code, channel.Name, attempts, reason);
            }
            if (attempts > _settings.Retries) break;
            try { await Task.Delay(delay, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
        }
        Log.AlertNotDelivered(_logger, alert.Code, channel.Name, attempts, reason);
        _record(handle, new AlertDeliveryRecord(0, channel.Name, DeliveryStatus.Failed, attempts, reason, Bifrost.Daemon.Engine.EngineClock.WallNanos()));
    }

    /// <summary>Stops taking alerts, lets the worker finish for up to <paramref name="drain"/>, then cancels what is in
    /// flight (recorded as failed). Call before the store is closed: outcomes are written through it.</summary>
    public async ValueTask StopAsync(TimeSpan drain)
    {
        _queue.Writer.TryComplete();
        if (await Task.WhenAny(_worker, Task.Delay(drain)).ConfigureAwait(false) != _worker) await _stop.CancelAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(false);
        // Alerts still queued when the drain ran out were never attempted: say so.
        while (_queue.Reader.TryRead(out var left))
            foreach (var c in _channels)
                _record(left.Handle, new AlertDeliveryRecord(0, c.Name, DeliveryStatus.Failed, 0, "not sent: daemon stopping", Bifrost.Daemon.Engine.EngineClock.WallNanos()));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _stop.Dispose();
    }
}
