using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace KitaLink.Api.Webhooks;

/// <summary>The outcome of one request: a 2xx answer, or the failure with the answer's status when there was one.</summary>
public sealed record WebhookAttemptResult(bool Succeeded, int? ResponseStatus, string? Error);

/// <summary>
/// Sends signed webhook requests (Standard Webhooks: <c>webhook-id</c>, <c>webhook-timestamp</c>,
/// <c>webhook-signature: v1,&lt;base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"&gt;</c>). One client for the
/// process; its handler connects only through <see cref="WebhookAddressGuard"/>, follows no redirect, uses no
/// proxy (that would hide the real destination from the guard), and reads at most a short excerpt of an answer.
/// </summary>
public sealed class WebhookHttp : IDisposable
{
    /// <summary>Bytes of a failed answer's body kept for the admin; the rest is never read.</summary>
    public const int MaxResponseExcerptBytes = 512;

    private readonly HttpClient _client;
    private readonly int _timeoutSeconds;

    public WebhookHttp(WebhookAddressGuard guard, IOptions<WebhookOptions> options)
    {
        _timeoutSeconds = options.Value.TimeoutSeconds;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectCallback = guard.ConnectAsync,
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(5, _timeoutSeconds)),
            // A pooled connection keeps the address checked when it was opened; renewing them regularly makes
            // every endpoint's name resolve (and be checked) again.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxResponseHeadersLength = 16,
            MaxConnectionsPerServer = options.Value.MaxConcurrency,
        };
        _client = new HttpClient(handler)
        {
            Timeout = TimeSpan.FromSeconds(_timeoutSeconds),
            MaxResponseContentBufferSize = MaxResponseExcerptBytes * 4,
        };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("KitaLink-Webhooks", "1"));
    }

    /// <summary>The <c>webhook-signature</c> value for the message (the library's Standard Webhooks signer).</summary>
    public static string Sign(string secret, string messageId, DateTimeOffset timestamp, string body) =>
        new StandardWebhook(secret).Sign(messageId, timestamp, body);

    public async Task<WebhookAttemptResult> SendAsync(string url, string secret, string messageId, string body, CancellationToken cancellationToken)
    {
        // Wall-clock time on purpose: receivers compare it with their own clock to refuse replayed requests.
        var timestamp = TimeProvider.System.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", messageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", Sign(secret, messageId, timestamp, body));
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return new WebhookAttemptResult(true, status, null);
            }
            var excerpt = await ExcerptAsync(response, cancellationToken);
            var what = status is >= 300 and < 400 ? "redirect (not followed)" : "answer";
            return new WebhookAttemptResult(false, status, $"HTTP {status} {what}{(excerpt.Length > 0 ? ": " + excerpt : "")}");
        }
        catch (HttpRequestException e) when (Find<WebhookAddressRefusedException>(e) is { } refused)
        {
            return new WebhookAttemptResult(false, null, refused.Message);
        }
        catch (HttpRequestException e)
        {
            return new WebhookAttemptResult(false, null, $"Connection failed: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttemptResult(false, null, $"No answer within {_timeoutSeconds} s.");
        }
    }

    private static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxResponseExcerptBytes];
            var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            var text = Encoding.UTF8.GetString(buffer, 0, read);
            return new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return "";
        }
    }

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }
        return null;
    }

    public void Dispose() => _client.Dispose();
}
