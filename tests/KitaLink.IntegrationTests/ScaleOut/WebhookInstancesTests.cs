using System.Globalization;
using System.Net;
using KitaLink.Api.Webhooks;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Webhooks;

namespace KitaLink.IntegrationTests.ScaleOut;

/// <summary>Two real API processes on one database, both running the webhook sender, and a receiver on 127.0.0.1.</summary>
public sealed class WebhookInstances : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    public SmtpPeer Smtp { get; } = new();
    public ApiProcess A { get; private set; } = null!;
    public ApiProcess B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await PostgresServer.CreateDatabaseAsync();
        Smtp.Start();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = ConnectionString,
            ["Jwt__SigningKey"] = KitaLinkFactory.JwtSigningKey,
            ["Pins__HashKey"] = KitaLinkFactory.PinHashKey,
            ["Smtp__Host"] = "127.0.0.1",
            ["Smtp__Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Smtp__From"] = "KitaLink Test <no-reply@test.kitalink.example>",
            ["Smtp__UseTls"] = "false",
            ["Bootstrap__OperatorEmail"] = KitaLinkFactory.OperatorEmail,
            ["Bootstrap__OperatorPassword"] = KitaLinkFactory.OperatorPassword,
            ["RateLimits__LoginPerAddress__Limit"] = "100000",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Passwords__MaxConcurrentHashes"] = "2",
            ["Passwords__QueueTimeoutMilliseconds"] = "60000",
            ["Webhooks__AllowHttp"] = "true",
            ["Webhooks__AllowedNetworks__0"] = "127.0.0.0/8",
            ["Webhooks__PollIntervalMilliseconds"] = "20",
            // Small batches, so both instances take part in sending one burst.
            ["Webhooks__BatchSize"] = "3",
        };
        A = await ApiProcess.StartAsync(environment);
        B = await ApiProcess.StartAsync(environment);
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Smtp.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(ConnectionString);
    }
}

[Collection(ApiProcessCollection.Name)]
public sealed class WebhookInstancesTests(WebhookInstances instances) : IClassFixture<WebhookInstances>
{
    [Fact]
    public async Task TwoInstancesSending_DeliverEachEventOncePerEndpoint()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var a = instances.A.CreateClient();
        using var b = instances.B.CreateClient();
        var facility = await a.CreateFacilityAsync();
        string[] types = [WebhookEventTypes.PinPairCreated, WebhookEventTypes.PinPairRevoked];
        await a.CreateWebhookAsync(facility.AdminToken, receiver.Url("/one"), types);
        await b.CreateWebhookAsync(facility.AdminToken, receiver.Url("/two"), types);
        var guardian = await a.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());

        // 20 pairs for one guardian, alternately through both instances: 20 created, 19 revoked (each new pair replaces the last).
        const int pairs = 20;
        for (var i = 0; i < pairs; i++)
        {
            var client = i % 2 == 0 ? a : b;
            await (await client.PostJsonAsync(WebhookTestSupport.GuardianPath(guardian) + "/pins", null, facility.AdminToken))
                .ExpectAsync(HttpStatusCode.Created);
        }

        const int expected = (2 * pairs) - 1;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (receiver.Received.Count < 2 * expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        // Time for a duplicate to arrive, had one instance sent what the other already had.
        await Task.Delay(1500);
        foreach (var path in new[] { "/one", "/two" })
        {
            var received = receiver.Received.Where(r => r.Path == path).ToList();
            Assert.Equal(expected, received.Count);
            Assert.Equal(expected, received.Select(r => r.Id).Distinct().Count());
            Assert.Equal(pairs, received.Count(r => r.Type == WebhookEventTypes.PinPairCreated));
        }
        // Both endpoints got the same events.
        Assert.Equal(
            receiver.Received.Where(r => r.Path == "/one").Select(r => r.Id).Order(),
            receiver.Received.Where(r => r.Path == "/two").Select(r => r.Id).Order());
    }
}
