using System.Net;
using KitaLink.Api.Webhooks;
using KitaLink.IntegrationTests.Facilities;
using KitaLink.IntegrationTests.Infrastructure;
using static KitaLink.IntegrationTests.Webhooks.WebhookTestSupport;

namespace KitaLink.IntegrationTests.Webhooks;

/// <summary>The service as deployed: https only and no network allowed beyond the public internet.</summary>
public sealed class StrictWebhookFactory : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Webhooks:PollIntervalMilliseconds"] = "50",
    };
}

/// <summary>SSRF: URLs and the addresses they resolve to when the request is made.</summary>
public sealed class WebhookSafetyTests(StrictWebhookFactory factory) : IClassFixture<StrictWebhookFactory>
{
    [Theory]
    [InlineData("http://kita-verwaltung.example/hook")]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://192.168.178.20/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("https://user:secret@kita-verwaltung.example/hook")]
    [InlineData("kita-verwaltung.example/hook")]
    [InlineData("ftp://kita-verwaltung.example/hook")]
    public async Task Create_RefusesUrlsThatAreNotHttpsOrNameARefusedAddress(string url)
    {
        var client = factory.CreateClient();
        var facility = await factory.SharedFacilityAsync();
        var problem = await (await client.PostJsonAsync(FacilityWebhooks, new { url, eventTypes = new[] { WebhookEventTypes.PinPairCreated } }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        FacilityTestSupport.AssertErrorFields(problem, "url");
    }

    [Fact]
    public async Task HostNameResolvingToLoopback_IsRefusedWhenTheRequestIsMade_AndNothingReachesTheReceiver()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var client = factory.CreateClient();
        var facility = await factory.SharedFacilityAsync();
        // A name, not an address: accepted at creation, refused once it resolves to 127.0.0.1 at delivery.
        var webhook = await client.CreateWebhookAsync(facility.AdminToken, $"https://localhost:{receiver.Port}/hook", [WebhookEventTypes.PinPairCreated]);
        await (await client.PostJsonAsync($"{webhook.Path}/test", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Accepted);

        var refused = await client.WaitForDeliveryAsync(facility.AdminToken, webhook, d => d.GetProperty("attempts").GetInt32() >= 1);
        Assert.Contains("loopback", refused.GetProperty("lastError").GetString());
        Assert.Equal("pending", refused.GetProperty("status").GetString());
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task LoopbackName_IsRefusedByTheGuard_WithoutAnAllowedNetwork()
    {
        // The factory of the delivery tests reaches its receivers only because it lists 127.0.0.0/8 in
        // Webhooks:AllowedNetworks; without that list the system resolver's answer for localhost is refused.
        var guard = new WebhookAddressGuard(new SystemWebhookHostResolver(),
            Microsoft.Extensions.Options.Options.Create(new WebhookOptions()));
        var error = await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => guard.CheckedAddressesAsync("localhost", CancellationToken.None));
        Assert.True(IPAddress.IsLoopback(error.Address));
    }
}

/// <summary>Disabling after persistent failure: a receiver that answers 500 for the whole retry period.</summary>
public sealed class WebhookDisablingTests(WebhookFactory factory) : IClassFixture<WebhookFactory>
{
    [Fact]
    public async Task EndpointFailingForTheWholeRetryPeriod_IsDisabled_AndTheListTellsTheAdmin()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.StatusCode = 500;
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        var webhook = await client.CreateWebhookAsync(facility.AdminToken, receiver.Url(), [WebhookEventTypes.PinPairCreated]);
        var start = FacilityTestSupport.Micro(factory.Time.GetUtcNow());
        await (await client.PostJsonAsync($"{webhook.Path}/test", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Accepted);

        var first = await client.WaitForDeliveryAsync(facility.AdminToken, webhook, d => d.GetProperty("attempts").GetInt32() >= 1);
        Assert.Equal(500, first.GetProperty("lastResponseStatus").GetInt32());
        Assert.Equal("pending", first.GetProperty("status").GetString());

        // Step through the retry schedule with the test clock: each attempt waits for its backoff. Staff tokens
        // expire on the way, so the admin signs in again each time.
        var adminEmail = await AdminEmailAsync(facility.Id);
        var attempts = 1;
        var status = "pending";
        string token = facility.AdminToken;
        while (status == "pending")
        {
            token = await client.StaffTokenAsync(adminEmail, StaffApi.StaffPassword);
            var delivery = (await client.DeliveriesAsync(token, webhook)).Single();
            factory.Time.SetUtcNow(delivery.GetProperty("nextAttemptAt").GetDateTimeOffset());
            token = await client.StaffTokenAsync(adminEmail, StaffApi.StaffPassword);
            var next = await client.WaitForDeliveryAsync(token, webhook, d => d.GetProperty("attempts").GetInt32() > attempts);
            attempts = next.GetProperty("attempts").GetInt32();
            status = next.GetProperty("status").GetString()!;
            Assert.True(attempts < 40, "the schedule ends");
        }
        Assert.Equal("failed", status);
        // Retried for at least the whole period (24 hours), with exponential backoff (far fewer attempts than hours x minutes).
        Assert.True(factory.Time.GetUtcNow() - start >= TimeSpan.FromHours(24), $"{factory.Time.GetUtcNow() - start} after {attempts} attempts");
        Assert.InRange(attempts, 10, 25);
        Assert.Equal(attempts, receiver.Received.Count);

        var list = await (await client.GetAsync(FacilityWebhooks, token)).ExpectAsync(HttpStatusCode.OK);
        var listed = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal("disabled", listed.GetProperty("status").GetString());
        Assert.Contains("HTTP 500", listed.GetProperty("disabledReason").GetString());

        // Disabled: new events are not sent. Enabled again: they are.
        receiver.StatusCode = 204;
        await (await client.PostJsonAsync($"{webhook.Path}/test", null, token)).ExpectAsync(HttpStatusCode.Accepted);
        await Task.Delay(1000);
        Assert.Equal(attempts, receiver.Received.Count);
        var enabled = await (await client.PatchJsonAsync(webhook.Path, new { enabled = true }, token)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("active", enabled.GetProperty("status").GetString());
        await receiver.WaitForAsync(r => receiver.Received.Count > attempts);
    }

    private Task<string> AdminEmailAsync(Guid facilityId) =>
        factory.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            db.StaffMembers.Where(s => s.FacilityId == facilityId && s.Role == KitaLink.Api.Staff.StaffRole.Admin).Select(s => s.Email)));
}
