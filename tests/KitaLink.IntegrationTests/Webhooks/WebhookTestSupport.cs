using System.Net;
using System.Text.Json;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Webhooks;

/// <summary>
/// The service with webhooks to a receiver on 127.0.0.1: loopback explicitly allowed (<c>Webhooks:AllowedNetworks</c>),
/// plain http allowed (the receiver has no certificate), a quick poll and expiry sweep.
/// </summary>
public class WebhookFactory : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Webhooks:AllowHttp"] = "true",
        ["Webhooks:AllowedNetworks:0"] = "127.0.0.0/8",
        ["Webhooks:PollIntervalMilliseconds"] = "50",
        ["Webhooks:ExpirySweepSeconds"] = "1",
    };
}

public sealed record TestWebhook(Guid Id, string Secret, string Path);

public static class WebhookTestSupport
{
    public const string FacilityWebhooks = "/api/v1/facility/webhooks";
    public const string OperatorWebhooks = "/api/v1/webhooks";

    public static async Task<TestWebhook> CreateWebhookAsync(
        this HttpClient client, string token, string url, string[] eventTypes, string basePath = FacilityWebhooks)
    {
        var created = await (await client.PostJsonAsync(basePath, new { url, eventTypes, description = "Kita-Verwaltung Sync" }, token))
            .ExpectAsync(HttpStatusCode.Created);
        var webhook = created.GetProperty("webhook");
        return new TestWebhook(webhook.GetProperty("id").GetGuid(), created.GetProperty("secret").GetString()!, $"{basePath}/{webhook.GetProperty("id").GetGuid()}");
    }

    public static async Task<List<JsonElement>> DeliveriesAsync(this HttpClient client, string token, TestWebhook webhook)
    {
        var page = await (await client.GetAsync($"{webhook.Path}/deliveries", token)).ExpectAsync(HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    /// <summary>Waits until a delivery of the endpoint satisfies <paramref name="match"/> (up to 30 s).</summary>
    public static async Task<JsonElement> WaitForDeliveryAsync(this HttpClient client, string token, TestWebhook webhook, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        List<JsonElement> seen = [];
        while (DateTime.UtcNow < deadline)
        {
            seen = await client.DeliveriesAsync(token, webhook);
            if (seen.FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"No matching delivery; seen: {string.Join(", ", seen)}");
    }

    public static string GuardianPath(TestGuardian guardian) =>
        $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}";
}
