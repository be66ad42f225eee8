using System.Net;
using System.Text.Json;
using KitaLink.Api.Webhooks;
using KitaLink.IntegrationTests.Facilities;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static KitaLink.IntegrationTests.Webhooks.WebhookTestSupport;

namespace KitaLink.IntegrationTests.Webhooks;

/// <summary>Events reach a real receiver, signed per Standard Webhooks, once per endpoint, and survive a receiver outage.</summary>
public sealed class WebhookDeliveryTests(WebhookFactory factory) : IClassFixture<WebhookFactory>
{
    [Fact]
    public async Task PinCreation_IsDeliveredSigned_AndTheSignatureVerifiesWithAnIndependentHmac()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        var webhook = await client.CreateWebhookAsync(facility.AdminToken, receiver.Url(),
            [WebhookEventTypes.PinPairCreated, WebhookEventTypes.Pin2MailSent]);

        var guardian = await client.CreateChildWithGuardianAsync(facility, FacilityTestSupport.UniqueEmail());
        var pins = await factory.CreatePinsAsync(client, facility, guardian);

        var created = await receiver.WaitForAsync(r => r.Type == WebhookEventTypes.PinPairCreated);
        Assert.True(IndependentSignature.Verifies(webhook.Secret, created), $"signature {created.Signature} does not verify");
        Assert.Matches("^v1,[A-Za-z0-9+/]+=*$", created.Signature);
        Assert.InRange(long.Parse(created.Timestamp, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
        var json = created.Json;
        Assert.Equal(created.Id, json.GetProperty("id").GetString());
        Assert.Equal(1, json.GetProperty("version").GetInt32());
        Assert.Equal(facility.Id, json.GetProperty("facilityId").GetGuid());
        Assert.Equal(guardian.ChildId, created.Data.GetProperty("childId").GetGuid());
        Assert.Equal(guardian.GuardianId, created.Data.GetProperty("guardianId").GetGuid());
        Assert.True(created.Data.TryGetProperty("pinPairId", out _));
        // Never a PIN, in any form.
        foreach (var pin in new[] { pins.Pin1, pins.Pin2 })
        {
            Assert.DoesNotContain(pin, created.Body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(pin.Replace("-", ""), created.Body, StringComparison.OrdinalIgnoreCase);
        }
        // A tampered body no longer verifies: the check above is not vacuous.
        Assert.False(IndependentSignature.Verifies(webhook.Secret, created with { Body = created.Body.Replace("pin_pair", "pin_pairs") }));

        var sent = await receiver.WaitForAsync(r => r.Type == WebhookEventTypes.Pin2MailSent);
        Assert.True(IndependentSignature.Verifies(webhook.Secret, sent));

        var delivery = await client.WaitForDeliveryAsync(facility.AdminToken, webhook,
            d => d.GetProperty("eventType").GetString() == WebhookEventTypes.PinPairCreated && d.GetProperty("status").GetString() == "succeeded");
        Assert.Equal(204, delivery.GetProperty("lastResponseStatus").GetInt32());
        Assert.Equal(created.Id, delivery.GetProperty("eventId").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task EachEvent_ReachesEachSubscribedEndpointOnce_AndOnlyTheTypesItSubscribed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        await client.CreateWebhookAsync(facility.AdminToken, receiver.Url("/a"), [WebhookEventTypes.PinPairCreated, WebhookEventTypes.PinPairRevoked]);
        await client.CreateWebhookAsync(facility.AdminToken, receiver.Url("/b"), [WebhookEventTypes.PinPairRevoked]);
        var guardian = await client.CreateChildWithGuardianAsync(facility, FacilityTestSupport.UniqueEmail());

        await (await client.PostJsonAsync($"{GuardianPath(guardian)}/pins", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        await (await client.DeleteAsync($"{GuardianPath(guardian)}/pins", facility.AdminToken)).ExpectAsync(HttpStatusCode.NoContent);

        var revokedAtB = await receiver.WaitForAsync(r => r.Path == "/b" && r.Type == WebhookEventTypes.PinPairRevoked);
        Assert.Equal("revoked_by_staff", revokedAtB.Data.GetProperty("reason").GetString());
        await receiver.WaitForAsync(r => r.Path == "/a" && r.Type == WebhookEventTypes.PinPairRevoked);
        await receiver.WaitForAsync(r => r.Path == "/a" && r.Type == WebhookEventTypes.PinPairCreated);
        // Time for a duplicate or a wrong type to arrive, had the sender made one.
        await Task.Delay(1000);
        Assert.Equal(2, receiver.Received.Count(r => r.Path == "/a"));
        Assert.Single(receiver.Received, r => r.Path == "/b");
        // The same event to both endpoints: one webhook-id, the receiver de-duplicates per endpoint.
        Assert.Equal(revokedAtB.Id, receiver.Received.Single(r => r.Path == "/a" && r.Type == WebhookEventTypes.PinPairRevoked).Id);
    }

    [Fact]
    public async Task ReceiverDownThenUp_GetsTheEventAtTheNextAttempt()
    {
        var port = WebhookReceiver.FreePort();
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        var webhook = await client.CreateWebhookAsync(facility.AdminToken, $"http://127.0.0.1:{port}/hook", [WebhookEventTypes.PinPairCreated]);
        await (await client.PostJsonAsync($"{webhook.Path}/test", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Accepted);

        var failed = await client.WaitForDeliveryAsync(facility.AdminToken, webhook, d => d.GetProperty("attempts").GetInt32() >= 1);
        Assert.Equal("pending", failed.GetProperty("status").GetString());
        Assert.Contains("Connection failed", failed.GetProperty("lastError").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("lastResponseStatus").ValueKind);
        var nextAttempt = failed.GetProperty("nextAttemptAt").GetDateTimeOffset();
        Assert.True(nextAttempt > factory.Time.GetUtcNow(), "the retry waits for its backoff");
        var listed = await (await client.GetAsync(webhook.Path, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.String, listed.GetProperty("failingSince").ValueKind);

        await using var receiver = await WebhookReceiver.StartAsync(port);
        factory.Time.SetUtcNow(nextAttempt);
        var test = await receiver.WaitForAsync(r => r.Type == WebhookEventTypes.WebhookTest);
        Assert.True(IndependentSignature.Verifies(webhook.Secret, test));
        var succeeded = await client.WaitForDeliveryAsync(facility.AdminToken, webhook, d => d.GetProperty("status").GetString() == "succeeded");
        Assert.Equal(2, succeeded.GetProperty("attempts").GetInt32());
        var after = await (await client.GetAsync(webhook.Path, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("failingSince").ValueKind);
    }

    [Fact]
    public async Task Replay_SendsTheSameEventAgain_AndRotation_SignsWithTheNewSecretOnly()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        var webhook = await client.CreateWebhookAsync(facility.AdminToken, receiver.Url(), [WebhookEventTypes.PinPairCreated]);
        await (await client.PostJsonAsync($"{webhook.Path}/test", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Accepted);
        var first = await receiver.WaitForAsync(r => r.Type == WebhookEventTypes.WebhookTest);
        var delivery = await client.WaitForDeliveryAsync(facility.AdminToken, webhook, d => d.GetProperty("status").GetString() == "succeeded");

        var rotated = await (await client.PostJsonAsync($"{webhook.Path}/rotate-secret", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(webhook.Secret, newSecret);
        var replay = await (await client.PostJsonAsync($"{webhook.Path}/deliveries/{delivery.GetProperty("id").GetGuid()}/replay", null, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal("pending", replay.GetProperty("status").GetString());

        var again = await receiver.WaitForAsync(r => r.Type == WebhookEventTypes.WebhookTest && r != first);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(first.Body, again.Body);
        Assert.True(IndependentSignature.Verifies(newSecret, again));
        Assert.False(IndependentSignature.Verifies(webhook.Secret, again));
    }

    [Fact]
    public async Task GuardianLinked_CarriesTheRegisteredEmailForTheFacility_ButNotForTheOperatorsEndpoint()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        await client.CreateWebhookAsync(facility.AdminToken, receiver.Url("/facility"), [WebhookEventTypes.GuardianLinked]);
        var operatorToken = await client.OperatorTokenAsync();
        var all = await client.CreateWebhookAsync(operatorToken, receiver.Url("/operator"), [WebhookEventTypes.GuardianLinked], OperatorWebhooks);

        var email = FacilityTestSupport.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email, facility);
        var parent = await client.RegisterAsync(email, pins);

        var atFacility = await receiver.WaitForAsync(r => r.Path == "/facility" && r.Type == WebhookEventTypes.GuardianLinked);
        Assert.Equal(email, atFacility.Data.GetProperty("accountEmail").GetString());
        Assert.Equal(parent.AccountId, atFacility.Data.GetProperty("accountId").GetGuid());
        var atOperator = await receiver.WaitForAsync(r => r.Path == "/operator" && r.Type == WebhookEventTypes.GuardianLinked
            && r.Json.GetProperty("facilityId").GetGuid() == facility.Id);
        Assert.False(atOperator.Data.TryGetProperty("accountEmail", out _));
        Assert.DoesNotContain(email, atOperator.Body, StringComparison.OrdinalIgnoreCase);
        Assert.True(IndependentSignature.Verifies(all.Secret, atOperator));
        Assert.Equal(atFacility.Id, atOperator.Id);
        await (await client.DeleteAsync(all.Path, operatorToken)).ExpectAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task EmailChange_LockAndArchive_AreAnnounced()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        await client.CreateWebhookAsync(facility.AdminToken, receiver.Url(),
            [WebhookEventTypes.GuardianEmailChanged, WebhookEventTypes.PinPairLocked, WebhookEventTypes.PinPairRevoked, WebhookEventTypes.ChildLinkArchived]);

        // Email change revokes the pending pair.
        var guardian = await client.CreateChildWithGuardianAsync(facility, FacilityTestSupport.UniqueEmail());
        await (await client.PostJsonAsync($"{GuardianPath(guardian)}/pins", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var newEmail = FacilityTestSupport.UniqueEmail("neu");
        await (await client.PatchJsonAsync(GuardianPath(guardian), new { email = newEmail }, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var changed = await receiver.WaitForAsync(r => r.Type == WebhookEventTypes.GuardianEmailChanged);
        Assert.Equal(newEmail, changed.Data.GetProperty("email").GetString());
        Assert.Equal(guardian.Email, changed.Data.GetProperty("previousEmail").GetString());
        Assert.True(changed.Data.GetProperty("pinPairRevoked").GetBoolean());
        var revoked = await receiver.WaitForAsync(r => r.Type == WebhookEventTypes.PinPairRevoked);
        Assert.Equal("email_changed", revoked.Data.GetProperty("reason").GetString());

        // Five wrong PIN 2 lock the pair.
        var pins = await factory.IssuePinsAsync(FacilityTestSupport.UniqueEmail(), facility);
        for (var i = 0; i < 5; i++)
        {
            await client.RegisterAsync(FacilityTestSupport.UniqueEmail(), pins.Pin1, "ZZZZ-ZZZZ");
        }
        var locked = await receiver.WaitForAsync(r => r.Type == WebhookEventTypes.PinPairLocked);
        Assert.Equal(5, locked.Data.GetProperty("failedAttempts").GetInt32());

        // A child moves: the link to the old record is archived.
        var email = FacilityTestSupport.UniqueEmail();
        var oldPins = await factory.IssuePinsAsync(email, facility);
        var parent = await client.RegisterAsync(email, oldPins);
        await client.SetChildStatusAsync(facility, oldPins.ChildId, "left");
        var other = await client.CreateFacilityAsync();
        var newPins = await factory.IssuePinsAsync(email, other);
        await (await client.LinkChildAsync(parent, newPins, replacesChildId: oldPins.ChildId)).ExpectAsync(HttpStatusCode.Created);
        var archived = await receiver.WaitForAsync(r => r.Type == WebhookEventTypes.ChildLinkArchived);
        Assert.Equal(oldPins.ChildId, archived.Data.GetProperty("childId").GetGuid());
        Assert.Equal(newPins.ChildId, archived.Data.GetProperty("replacedByChildId").GetGuid());
        Assert.Equal(parent.AccountId, archived.Data.GetProperty("accountId").GetGuid());
    }

    [Fact]
    public async Task ExpiredPair_IsAnnouncedOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        await client.CreateWebhookAsync(facility.AdminToken, receiver.Url(), [WebhookEventTypes.PinPairExpired]);
        var guardian = await client.CreateChildWithGuardianAsync(facility, FacilityTestSupport.UniqueEmail());
        var created = await (await client.PostJsonAsync($"{GuardianPath(guardian)}/pins", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);

        factory.Time.SetUtcNow(created.GetProperty("expiresAt").GetDateTimeOffset().AddMinutes(1));
        var expired = await receiver.WaitForAsync(r => r.Type == WebhookEventTypes.PinPairExpired && r.Data.GetProperty("guardianId").GetGuid() == guardian.GuardianId);
        Assert.Equal(created.GetProperty("expiresAt").GetDateTimeOffset(), expired.Data.GetProperty("expiresAt").GetDateTimeOffset());
        // Later sweeps do not announce it again.
        await Task.Delay(2500);
        Assert.Single(receiver.Received, r => r.Type == WebhookEventTypes.PinPairExpired && r.Data.GetProperty("guardianId").GetGuid() == guardian.GuardianId);
    }

    [Fact]
    public async Task Events_AreWrittenOnlyWhenTheirTransactionCommits()
    {
        var facility = await factory.CreateClient().CreateFacilityAsync();
        var marker = Guid.NewGuid();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KitaLink.Api.Infrastructure.Data.KitaLinkDbContext>();
            var events = scope.ServiceProvider.GetRequiredService<WebhookEvents>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            events.Raise(WebhookEventTypes.GuardianEmailChanged, facility.Id, new GuardianEmailChangedData(marker, marker, false));
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }
        Assert.Equal(0, await CountAsync(facility.Id));

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KitaLink.Api.Infrastructure.Data.KitaLinkDbContext>();
            var events = scope.ServiceProvider.GetRequiredService<WebhookEvents>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            events.Raise(WebhookEventTypes.GuardianEmailChanged, facility.Id, new GuardianEmailChangedData(marker, marker, false));
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }
        Assert.Equal(1, await CountAsync(facility.Id));

        // Through the API: an email change refused by its precondition writes no event.
        var client = factory.CreateClient();
        var guardian = await client.CreateChildWithGuardianAsync(facility, FacilityTestSupport.UniqueEmail());
        var request = new HttpRequestMessage(HttpMethod.Patch, GuardianPath(guardian))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { email = FacilityTestSupport.UniqueEmail() }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", facility.AdminToken);
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        await (await client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal(1, await CountAsync(facility.Id));

        Task<int> CountAsync(Guid facilityId) => factory.WithDbAsync(db => db.WebhookEvents.CountAsync(e => e.FacilityId == facilityId));
    }
}
