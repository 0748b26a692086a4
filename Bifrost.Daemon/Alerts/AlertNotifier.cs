using Bifrost.Daemon.Logging;
using Bifrost.Store.Records;
using Microsoft.Extensions.Logging;

namespace Bifrost.Daemon.Alerts;

/// <summary>
/// Delivers every alert to every configured channel without ever blocking the engine loop: <see cref="Post"/> only
/// writes to each channel's bounded <see cref="AlertQueue"/> (criticals first; an alert lost to a full queue is recorded
/// as a failed delivery and logged). Each channel has its own worker, so a hung or slow channel never holds up another;
/// it sends one alert at a time, retrying with doubling backoff, and records the outcome in alert_deliveries (sent /
/// failed + reason + attempts). No delivery, however it fails, ends a worker. A channel whose alert was not delivered
/// (after its retries) is reported to <c>channelHealth</c> (channel, last error), and again (channel, null) when it
/// delivers again: the engine shows it on the light. An alert a channel failed is owed to it: sent again once the channel
/// delivers, and tried again on its own while nothing else comes (a pager relay down longer than the retries lost its
/// critical for the life of the process before). An alert the operator acknowledged before a channel got to it is not sent
/// to it (nor owed): a page for a halt already handled. On stop it drains for a bounded time, then gives up and records what
/// it could not send.
/// </summary>
public sealed class AlertNotifier : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    /// <summary>How long a channel that owes alerts waits for a new one before it tries an owed one again (doubling to
    /// 16 times while it keeps failing).</summary>
    public static readonly TimeSpan RetryOwedEvery = TimeSpan.FromSeconds(60);

    private readonly AlertSettings _settings;
    private readonly IReadOnlyList<IAlertChannel> _channels;
    private readonly Action<AlertHandle, AlertDeliveryRecord> _record;
    private readonly AlertJson _json;
    private readonly ILogger _logger;
    private readonly AlertQueue[] _queues;
    private readonly AlertSeverity[] _min;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly Action<string, string?> _channelHealth;
    private readonly TimeSpan _retryOwedEvery;
    private readonly TimeSpan[] _owedWait;
    private readonly Func<long, bool> _acknowledged;
    private long _dropped;

    public AlertNotifier(AlertSettings settings, IReadOnlyList<IAlertChannel> channels, Action<AlertHandle, AlertDeliveryRecord> record,
        AlertJson json, ILogger logger, Action<string, string?>? channelHealth = null, TimeSpan? retryOwedEvery = null,
        Func<long, bool>? acknowledged = null)
    {
        _acknowledged = acknowledged ?? (_ => false);
        _channelHealth = channelHealth ?? ((_, _) => { });
        _retryOwedEvery = retryOwedEvery ?? RetryOwedEvery;
        _settings = settings;
        _channels = channels;
        _record = record;
        _json = json;
        _logger = logger;
        _queues = channels.Select(_ => new AlertQueue(settings.QueueCapacity)).ToArray();
        _min = channels.Select(c => settings.MinFor(c.Name)).ToArray();
        _owedWait = channels.Select(_ => _retryOwedEvery).ToArray();
        _workers = channels.Select((_, i) => Task.Run(() => RunAsync(i))).ToArray();
    }

    /// <summary>Alerts lost to a full queue, per channel (each also recorded as a failed delivery).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues an alert for delivery on every channel; never blocks. A channel is not sent alerts below its
    /// min_severity (the notifier's own, else alerts.min_severity).</summary>
    public void Post(AlertRecord alert, AlertHandle handle)
    {
        for (var i = 0; i < _channels.Count; i++)
            if (alert.Severity >= _min[i]) Enqueue(i, alert, handle);
    }

    /// <summary>Queues alerts already in the store for one channel only (those it still owes after a restart).</summary>
    public void Resend(string channel, IEnumerable<AlertRecord> alerts)
    {
        var i = _channels.ToList().FindIndex(c => c.Name == channel);
        if (i < 0) return;
        foreach (var alert in alerts.Where(a => a.Severity >= _min[i])) Enqueue(i, alert, new AlertHandle(alert.Id));
    }

    // An alert the full queue pushed out (the oldest non-critical, or this one) is a failed delivery, said once.
    private void Enqueue(int channel, AlertRecord alert, AlertHandle handle)
    {
        if (_queues[channel].Add(alert, handle) is not { } lost) return;
        Interlocked.Increment(ref _dropped);
        Log.AlertDropped(_logger, lost.Alert.Code, _channels[channel].Name, _settings.QueueCapacity);
        Record(lost.Handle, new AlertDeliveryRecord(0, _channels[channel].Name, DeliveryStatus.Failed, 0,
            $"not sent: the notifier queue is full ({_settings.QueueCapacity} alerts waiting)", Bifrost.Daemon.Engine.EngineClock.WallNanos()));
    }

    private async Task RunAsync(int index)
    {
        var channel = _channels[index];
        var failing = false;
        // The alerts this channel failed after their retries, oldest first: owed until it delivers them.
        var owed = new List<(AlertRecord Alert, AlertHandle Handle)>();
        while (await NextAsync(index, owed).ConfigureAwait(false) is { } next)
        {
            var (alert, handle) = next;
            string? failure;
            // One bad alert or delivery must never end the loop: every later alert (criticals too) would wait forever.
            try
            {
                await WaitForIdAsync(handle).ConfigureAwait(false);
                // Acknowledged while it waited behind a slow or hung channel: the operator has it; a page now is noise.
                if (Acknowledged(handle))
                {
                    Log.AlertAcknowledgedNotSent(_logger, alert.Code, channel.Name);
                    continue;
                }
                failure = await DeliverAsync(channel, alert, handle, _json.Serialize(alert, handle.Id)).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                failure = RecordCrash(channel, alert, handle, e);
            }
            if (!_stop.IsCancellationRequested && failure is not null) Owe(owed, next);
            else if (!_stop.IsCancellationRequested && owed.Count > 0)
            {
                // It delivers again: what it failed goes out now (criticals first, as the queue takes them), but not what the
                // operator acknowledged meanwhile (a page at 3 a.m. for a halt already handled).
                owed.RemoveAll(o => Acknowledged(o.Handle));
                if (owed.Count > 0) Log.AlertsOwedResent(_logger, owed.Count, channel.Name);
                foreach (var (a, h) in owed) Enqueue(index, a, h);
                owed.Clear();
                _owedWait[index] = _retryOwedEvery;
            }
            if (_stop.IsCancellationRequested || failing == (failure is not null)) continue; // only changes; a stop is no failure of the channel
            failing = failure is not null;
            if (failing) Log.AlertChannelFailing(_logger, channel.Name, failure!);
            else Log.AlertChannelRecovered(_logger, channel.Name);
            try { _channelHealth(channel.Name, failure); }
            catch (Exception e) { Log.NotifierFailed(_logger, e); }
        }
    }

    // The next alert to send; while alerts are owed and none comes for a while, the oldest owed (a critical first) is
    // queued again to try the channel — so a page still goes out once the relay is back, with no other alert to carry it.
    private async Task<(AlertRecord Alert, AlertHandle Handle)?> NextAsync(int index, List<(AlertRecord Alert, AlertHandle Handle)> owed)
    {
        var take = _queues[index].TakeAsync();
        while (owed.Count > 0 && !_stop.IsCancellationRequested)
        {
            if (await Task.WhenAny(take, Task.Delay(_owedWait[index], _stop.Token)).ConfigureAwait(false) == take || _stop.IsCancellationRequested) break;
            owed.RemoveAll(o => Acknowledged(o.Handle)); // handled by the operator: no longer owed
            if (owed.Count == 0)
            {
                _owedWait[index] = _retryOwedEvery;
                break;
            }
            var i = Math.Max(0, owed.FindIndex(o => o.Alert.Severity == AlertSeverity.Critical));
            var retry = owed[i];
            owed.RemoveAt(i);
            Enqueue(index, retry.Alert, retry.Handle);
            // Each try that fails again waits twice as long for the next (a pager down all night: a handful of tries an hour).
            _owedWait[index] = TimeSpan.FromTicks(Math.Min(_owedWait[index].Ticks * 2, _retryOwedEvery.Ticks * 16));
        }
        return await take.ConfigureAwait(false);
    }

    // Asked before an alert is sent (and before an owed one is queued again). An error answers false: a page too many, never one lost.
    private bool Acknowledged(AlertHandle handle)
    {
        if (handle.Id == 0) return false;
        try
        {
            return _acknowledged(handle.Id);
        }
        catch (Exception e)
        {
            Log.NotifierFailed(_logger, e);
            return false;
        }
    }

    // Owed alerts are bounded like the queue: past it the oldest non-critical is let go (its failed delivery is recorded;
    // the next start re-sends it while unacknowledged).
    private void Owe(List<(AlertRecord Alert, AlertHandle Handle)> owed, (AlertRecord Alert, AlertHandle Handle) alert)
    {
        owed.Add(alert);
        if (owed.Count <= Math.Max(1, _settings.QueueCapacity)) return;
        var i = owed.FindIndex(o => o.Alert.Severity != AlertSeverity.Critical);
        owed.RemoveAt(Math.Max(0, i));
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

    // An exception no channel is meant to throw: a failed delivery for this alert, and a bug to log with its stack.
    private string RecordCrash(IAlertChannel channel, AlertRecord alert, AlertHandle handle, Exception e)
    {
        var reason = $"notifier error: {e.GetType().Name}: {e.Message}";
        Log.DeliveryCrashed(_logger, alert.Code, channel.Name, e);
        Record(handle, new AlertDeliveryRecord(0, channel.Name, DeliveryStatus.Failed, 0, reason, Bifrost.Daemon.Engine.EngineClock.WallNanos()));
        return reason;
    }

    // Null when delivered, else the reason it was not.
    private async Task<string?> DeliverAsync(IAlertChannel channel, AlertRecord alert, AlertHandle handle, string json)
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
                Record(handle, new AlertDeliveryRecord(0, channel.Name, DeliveryStatus.Sent, attempts, "", Bifrost.Daemon.Engine.EngineClock.WallNanos()));
                return null;
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
        Record(handle, new AlertDeliveryRecord(0, channel.Name, DeliveryStatus.Failed, attempts, reason, Bifrost.Daemon.Engine.EngineClock.WallNanos()));
        return reason;
    }

    // Writing the outcome must not end a worker either (the store may be failing; it says so itself).
    private void Record(AlertHandle handle, AlertDeliveryRecord delivery)
    {
        try
        {
            _record(handle, delivery);
        }
        catch (Exception e)
        {
            Log.NotifierFailed(_logger, e);
        }
    }

    /// <summary>Stops taking alerts, lets the workers finish for up to <paramref name="drain"/>, then cancels what is in
    /// flight (recorded as failed). Call before the store is closed: outcomes are written through it.</summary>
    public async ValueTask StopAsync(TimeSpan drain)
    {
        foreach (var q in _queues) q.Complete();
        var all = Task.WhenAll(_workers);
        if (await Task.WhenAny(all, Task.Delay(drain)).ConfigureAwait(false) != all) await _stop.CancelAsync().ConfigureAwait(false);
        await all.ConfigureAwait(false);
        // Alerts still queued when the drain ran out were never attempted: say so.
        for (var i = 0; i < _channels.Count; i++)
            foreach (var left in _queues[i].TakeAll())
                Record(left.Handle, new AlertDeliveryRecord(0, _channels[i].Name, DeliveryStatus.Failed, 0, "not sent: daemon stopping", Bifrost.Daemon.Engine.EngineClock.WallNanos()));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _stop.Dispose();
    }
}
