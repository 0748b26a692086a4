using System.Net.Http.Headers;
using System.Text;

namespace Bifrost.Daemon.Alerts;

/// <summary>POSTs the alert as JSON; any 2xx within the timeout is delivered, anything else fails with the status or error.</summary>
public sealed class WebhookChannel(WebhookNotifierSettings settings, HttpClient http) : IAlertChannel
{
    public string Name => settings.Name;

    public async Task SendAsync(string json, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.Timeout);
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        try
        {
            using var response = await http.PostAsync(settings.Url, content, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new DeliveryFailedException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DeliveryFailedException($"timed out after {settings.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryFailedException(e.Message, e);
        }
    }
}
