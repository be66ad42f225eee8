using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace KitaLink.Bench;

/// <summary>
/// A local webhook receiver (Kestrel, loopback only) that answers 204 and keeps counts: requests, distinct
/// <c>webhook-id</c>s, signatures that verify (HMAC-SHA256 computed here from <c>--secret</c>, not with KitaLink's
/// code), and the first and last arrival. Writes them to <c>--stats</c> twice a second and on SIGTERM/SIGINT.
/// </summary>
public static class WebhookSinkCommand
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var port = options.Int("port", 8090);
        var statsFile = options.Required("stats");
        var secretFile = options.Required("secret-file");
        var stats = new SinkStats();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var id = context.Request.Headers["webhook-id"].ToString();
            var timestamp = context.Request.Headers["webhook-timestamp"].ToString();
            var signature = context.Request.Headers["webhook-signature"].ToString();
            stats.Record(id, Verifies(stats.Key(secretFile), id, timestamp, body, signature));
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });

        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        await app.StartAsync();
        Console.WriteLine($"webhook sink listening on 127.0.0.1:{port}");
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await File.WriteAllTextAsync(statsFile, JsonSerializer.Serialize(stats.Snapshot(), Json.Options));
                await Task.Delay(500, stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        await File.WriteAllTextAsync(statsFile, JsonSerializer.Serialize(stats.Snapshot(), Json.Options));
        await app.StopAsync();
        return 0;
    }

    private static bool Verifies(byte[]? key, string id, string timestamp, string body, string header)
    {
        if (key is null)
        {
            return false;
        }
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        return header.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(s => s == expected);
    }

    private sealed class SinkStats
    {
        private readonly Lock _lock = new();
        private readonly HashSet<string> _ids = [];
        private byte[]? _key;
        private long _requests;
        private long _verified;
        private DateTimeOffset? _first;
        private DateTimeOffset? _last;

        /// <summary>The key of the endpoint's secret, read once the script has written it (after the endpoint was created).</summary>
        public byte[]? Key(string secretFile)
        {
            if (_key is null && File.Exists(secretFile) && File.ReadAllText(secretFile).Trim() is { Length: > 6 } secret)
            {
                _key = Convert.FromBase64String(secret["whsec_".Length..]);
            }
            return _key;
        }

        public void Record(string id, bool verified)
        {
            var now = DateTimeOffset.UtcNow;
            lock (_lock)
            {
                _requests++;
                _verified += verified ? 1 : 0;
                _ids.Add(id);
                _first ??= now;
                _last = now;
            }
        }

        public WebhookSinkStats Snapshot()
        {
            lock (_lock)
            {
                return new WebhookSinkStats(_requests, _ids.Count, _verified, _first, _last);
            }
        }
    }
}

public sealed record WebhookSinkStats(long Requests, long DistinctIds, long Verified, DateTimeOffset? FirstAt, DateTimeOffset? LastAt);
