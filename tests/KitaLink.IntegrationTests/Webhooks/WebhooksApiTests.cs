using System.Net;
using System.Text.Json;
using KitaLink.Api.Audit;
using KitaLink.Api.Webhooks;
using KitaLink.IntegrationTests.Contract;
using KitaLink.IntegrationTests.Facilities;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Webhooks.WebhookTestSupport;

namespace KitaLink.IntegrationTests.Webhooks;

/// <summary>Managing endpoints: who may, whose endpoints they see, what is shown once, validation, paging, audit.</summary>
public sealed class WebhooksApiTests(WebhookFactory factory) : IClassFixture<WebhookFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>Every facility webhook route that takes an id, with a body where it needs one (read by IsolationSweepTests).</summary>
    public static TheoryData<string, string, string> IdRoutes => new()
    {
        { "GET", "{webhook}", "" },
        { "PATCH", "{webhook}", """{"url":"https://mallory.example/hook","enabled":false}""" },
        { "DELETE", "{webhook}", "" },
        { "POST", "{webhook}/rotate-secret", "" },
        { "POST", "{webhook}/test", "" },
        { "GET", "{webhook}/deliveries", "" },
        { "POST", "{webhook}/deliveries/{delivery}/replay", "" },
    };

    /// <summary>The routes of <see cref="IdRoutes"/> as the service maps them.</summary>
    public static IEnumerable<string> MappedIdRoutes =>
        IdRoutes.Select((object[] row) => $"{row[0]} " + ((string)row[1])
            .Replace("{webhook}", "/api/v1/facility/webhooks/{webhookId:guid}", StringComparison.Ordinal)
            .Replace("{delivery}", "{deliveryId:guid}", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(IdRoutes))]
    public async Task AdminOfAnotherFacility_Gets404_AndChangesNothing(string method, string template, string body)
    {
        var a = await _client.CreateFacilityAsync();
        var b = await _client.CreateFacilityAsync();
        var webhook = await _client.CreateWebhookAsync(a.AdminToken, "https://kita-verwaltung.example/hook", [WebhookEventTypes.PinPairCreated]);
        var test = await (await _client.PostJsonAsync($"{webhook.Path}/test", null, a.AdminToken)).ExpectAsync(HttpStatusCode.Accepted);
        var path = template.Replace("{webhook}", webhook.Path, StringComparison.Ordinal)
            .Replace("{delivery}", test.GetProperty("id").GetGuid().ToString(), StringComparison.Ordinal);
        var operatorToken = await _client.OperatorTokenAsync();

        // Another facility's admin, and the operator on its own (all-facility) routes: the endpoint does not exist for them.
        foreach (var (token, candidate) in new[] { (b.AdminToken, path), (operatorToken, path.Replace(FacilityWebhooks, OperatorWebhooks, StringComparison.Ordinal)) })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), candidate);
            request.Headers.Authorization = new("Bearer", token);
            if (body.Length > 0)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }
            await (await _client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
        // Educators are staff, but webhooks are for facility admins.
        var educatorRequest = new HttpRequestMessage(new HttpMethod(method), path);
        educatorRequest.Headers.Authorization = new("Bearer", a.EducatorToken);
        if (body.Length > 0)
        {
            educatorRequest.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }
        await (await _client.SendAsync(educatorRequest)).ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        var stored = await factory.WithDbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == webhook.Id));
        Assert.Equal("https://kita-verwaltung.example/hook", stored.Url);
        Assert.Equal(WebhookEndpointStatus.Active, stored.Status);
        Assert.Equal(1, await factory.WithDbAsync(db => db.WebhookDeliveries.CountAsync(d => d.EndpointId == webhook.Id)));
    }

    [Fact]
    public async Task Create_ShowsTheSecretOnce_StoresItEncrypted_AndAuditsTheChange()
    {
        var facility = await _client.CreateFacilityAsync();
        var response = await _client.PostJsonAsync(FacilityWebhooks, new
        {
            url = "https://kita-verwaltung.example/kitalink",
            eventTypes = new[] { WebhookEventTypes.GuardianLinked, WebhookEventTypes.PinPairCreated, WebhookEventTypes.GuardianLinked },
            description = "Sync der Familien",
        }, facility.AdminToken);
        var created = await response.ExpectAsync(HttpStatusCode.Created);
        var secret = created.GetProperty("secret").GetString()!;
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", secret);
        var webhook = created.GetProperty("webhook");
        var id = webhook.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/facility/webhooks/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal(facility.Id, webhook.GetProperty("facilityId").GetGuid());
        Assert.Equal("active", webhook.GetProperty("status").GetString());
        Assert.Equal([WebhookEventTypes.GuardianLinked, WebhookEventTypes.PinPairCreated],
            webhook.GetProperty("eventTypes").EnumerateArray().Select(t => t.GetString()!).ToArray());

        var read = await (await _client.GetAsync($"{FacilityWebhooks}/{id}", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(secret, read.GetRawText());
        Assert.False(read.TryGetProperty("secret", out _));
        var stored = await factory.WithDbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == id));
        Assert.DoesNotContain(secret["whsec_".Length..], stored.ProtectedSecret);

        var audit = await factory.WithDbAsync(db => db.AuditEvents.AsNoTracking()
            .Where(e => e.FacilityId == facility.Id && e.Action == AuditActions.WebhookCreated).SingleAsync());
        Assert.Contains(id.ToString(), audit.Data);
        Assert.DoesNotContain(secret, audit.Data);
        Assert.DoesNotContain(secret["whsec_".Length..], factory.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_ChangesTheGivenFields_DisablesAndEnables_AndDeleteRemoves()
    {
        var facility = await _client.CreateFacilityAsync();
        var webhook = await _client.CreateWebhookAsync(facility.AdminToken, "https://kita-verwaltung.example/hook", [WebhookEventTypes.PinPairCreated]);

        var updated = await (await _client.PatchJsonAsync(webhook.Path, new { eventTypes = new[] { WebhookEventTypes.PinPairLocked }, enabled = false }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("https://kita-verwaltung.example/hook", updated.GetProperty("url").GetString());
        Assert.Equal(WebhookEventTypes.PinPairLocked, updated.GetProperty("eventTypes").EnumerateArray().Single().GetString());
        Assert.Equal("disabled", updated.GetProperty("status").GetString());
        Assert.Equal("Disabled by an administrator.", updated.GetProperty("disabledReason").GetString());
        var enabled = await (await _client.PatchJsonAsync(webhook.Path, new { enabled = true, description = "" }, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("active", enabled.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, enabled.GetProperty("description").ValueKind);

        await (await _client.DeleteAsync(webhook.Path, facility.AdminToken)).ExpectAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync(webhook.Path, facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        var actions = await factory.WithDbAsync(db => db.AuditEvents.AsNoTracking()
            .Where(e => e.FacilityId == facility.Id && e.Action.StartsWith("webhook.")).Select(e => e.Action).ToListAsync());
        Assert.Equal(2, actions.Count(a => a == AuditActions.WebhookUpdated));
        Assert.Contains(AuditActions.WebhookDeleted, actions);
    }

    [Fact]
    public async Task InvalidRequests_AreValidationFailed_AndChangeNothing()
    {
        var facility = await _client.CreateFacilityAsync();
        var missing = await (await _client.PostJsonAsync(FacilityWebhooks, new { description = "x" }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        FacilityTestSupport.AssertErrorFields(missing, "url", "eventTypes");
        var unknownType = await (await _client.PostJsonAsync(FacilityWebhooks, new { url = "https://a.example/h", eventTypes = new[] { "pin_pair.stolen" } }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        FacilityTestSupport.AssertErrorFields(unknownType, "eventTypes");
        var testType = await (await _client.PostJsonAsync(FacilityWebhooks, new { url = "https://a.example/h", eventTypes = new[] { WebhookEventTypes.WebhookTest } }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        FacilityTestSupport.AssertErrorFields(testType, "eventTypes");
        var empty = await (await _client.PostJsonAsync(FacilityWebhooks, new { url = "https://a.example/h", eventTypes = Array.Empty<string>() }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        FacilityTestSupport.AssertErrorFields(empty, "eventTypes");
        var webhook = await _client.CreateWebhookAsync(facility.AdminToken, "https://a.example/h", [WebhookEventTypes.PinPairCreated]);
        var badUpdate = await (await _client.PatchJsonAsync(webhook.Path, new { url = "https://10.0.0.8/h" }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        FacilityTestSupport.AssertErrorFields(badUpdate, "url");
        await (await _client.GetAsync($"{FacilityWebhooks}?limit=0", facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        var list = await (await _client.GetAsync(FacilityWebhooks, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("https://a.example/h", list.GetProperty("items").EnumerateArray().Single().GetProperty("url").GetString());
    }

    [Fact]
    public async Task Lists_PageWithLimitAndCursor_AndShowOnlyTheCallersEndpoints()
    {
        var facility = await _client.CreateFacilityAsync();
        var other = await _client.CreateFacilityAsync();
        await _client.CreateWebhookAsync(other.AdminToken, "https://other.example/h", [WebhookEventTypes.PinPairCreated]);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            factory.Time.Advance(TimeSpan.FromSeconds(1));
            ids.Add((await _client.CreateWebhookAsync(facility.AdminToken, $"https://a.example/h{i}", [WebhookEventTypes.PinPairCreated])).Id);
        }
        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await (await _client.GetAsync($"{FacilityWebhooks}?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(ids, seen);

        // Deliveries page too, newest first.
        var webhook = new TestWebhook(ids[0], "", $"{FacilityWebhooks}/{ids[0]}");
        var deliveries = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            factory.Time.Advance(TimeSpan.FromSeconds(1));
            deliveries.Add((await (await _client.PostJsonAsync($"{webhook.Path}/test", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid());
        }
        var first = await (await _client.GetAsync($"{webhook.Path}/deliveries?limit=2", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var second = await (await _client.GetAsync($"{webhook.Path}/deliveries?limit=2&cursor={first.GetProperty("nextCursor").GetString()}", facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(Enumerable.Reverse(deliveries),
            first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(d => d.GetProperty("id").GetGuid()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Create_HonoursIdempotencyKey()
    {
        var facility = await _client.CreateFacilityAsync();
        var key = Guid.NewGuid().ToString();
        var body = new { url = "https://a.example/idem", eventTypes = new[] { WebhookEventTypes.PinPairCreated } };
        var first = await (await _client.PostWithKeyAsync(FacilityWebhooks, body, facility.AdminToken, key)).ExpectAsync(HttpStatusCode.Created);
        var retry = await _client.PostWithKeyAsync(FacilityWebhooks, body, facility.AdminToken, key);
        Assert.True(retry.IsReplay());
        Assert.Equal(first.GetProperty("webhook").GetProperty("id").GetGuid(), (await retry.ExpectAsync(HttpStatusCode.Created)).GetProperty("webhook").GetProperty("id").GetGuid());
        Assert.Equal(1, await factory.WithDbAsync(db => db.WebhookEndpoints.CountAsync(e => e.FacilityId == facility.Id)));
    }

    [Fact]
    public async Task OperatorEndpoints_AreForOperatorsOnly_AndHoldNoFacility()
    {
        var facility = await _client.CreateFacilityAsync();
        await (await _client.PostJsonAsync(OperatorWebhooks, new { url = "https://a.example/h", eventTypes = new[] { WebhookEventTypes.PinPairCreated } }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var operatorToken = await _client.OperatorTokenAsync();
        await (await _client.GetAsync(FacilityWebhooks, operatorToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var webhook = await _client.CreateWebhookAsync(operatorToken, "https://ops.example/h", [WebhookEventTypes.PinPairCreated], OperatorWebhooks);
        var read = await (await _client.GetAsync(webhook.Path, operatorToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, read.GetProperty("facilityId").ValueKind);
        // A facility admin does not see the operator's endpoints.
        await (await _client.GetAsync($"{FacilityWebhooks}/{webhook.Id}", facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.DeleteAsync(webhook.Path, operatorToken)).ExpectAsync(HttpStatusCode.NoContent);
    }
}
