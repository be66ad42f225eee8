using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>One request the receiver got: the Standard Webhooks headers and the raw body.</summary>
public sealed record ReceivedWebhook(string Path, string Id, string Timestamp, string Signature, string Body, DateTimeOffset ReceivedAt)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public string Type => Json.GetProperty("type").GetString()!;
    public JsonElement Data => Json.GetProperty("data");
}

/// <summary>
/// A real HTTP receiver for webhook tests: Kestrel on 127.0.0.1 inside the test process. Records every request
/// and answers <see cref="StatusCode"/>. Can be started on a port chosen before (a receiver that is down first).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    private WebhookReceiver(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }
    public int StatusCode { get; set; } = 204;
    public IReadOnlyCollection<ReceivedWebhook> Received => _received;

    public string Url(string path = "/hook") => $"http://127.0.0.1:{Port}{path}";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<WebhookReceiver> StartAsync(int? port = null)
    {
        var chosen = port ?? FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{chosen}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, chosen);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            receiver._received.Enqueue(new ReceivedWebhook(
                context.Request.Path.Value ?? "",
                context.Request.Headers["webhook-id"].ToString(),
                context.Request.Headers["webhook-timestamp"].ToString(),
                context.Request.Headers["webhook-signature"].ToString(),
                body,
                DateTimeOffset.UtcNow));
            context.Response.StatusCode = receiver.StatusCode;
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The first request matching <paramref name="match"/>, waiting up to <paramref name="timeout"/> (default 30 s).</summary>
    public async Task<ReceivedWebhook> WaitForAsync(Func<ReceivedWebhook, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (_received.FirstOrDefault(match) is { } found)
            {
                return found;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"No matching webhook within the time; received: {string.Join(", ", _received.Select(r => r.Type))}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// Standard Webhooks verification written from the specification, independent of the production code and its
/// library: HMAC-SHA256 over <c>{id}.{timestamp}.{body}</c> with the base64 key after <c>whsec_</c>, compared
/// with each <c>v1,</c> signature of the header.
/// </summary>
public static class IndependentSignature
{
    public static string Expected(string secret, string id, string timestamp, string body)
    {
        Assert.StartsWith("whsec_", secret);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(mac);
    }

    public static bool Verifies(string secret, ReceivedWebhook webhook) =>
        webhook.Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(s => CryptographicOperations.FixedTimeEquals(
                Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(Expected(secret, webhook.Id, webhook.Timestamp, webhook.Body))));
}
