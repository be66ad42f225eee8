using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Contract;

/// <summary>Helpers for requests with an <c>Idempotency-Key</c>.</summary>
public static class IdempotentRequests
{
    public static Task<HttpResponseMessage> PostWithKeyAsync(this HttpClient client, string path, object? body, string? token, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: ApiClient.Json);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    public static bool IsReplay(this HttpResponseMessage response) =>
        response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";

    public static object NewChild(string firstName = "Mia") =>
        new { firstName, lastName = "Schneider", dateOfBirth = DateOnly.FromDateTime(DateTime.UtcNow.AddYears(-3)), group = "Igel" };
}

public sealed class IdempotencyTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task RetryWithSameKeyAndBody_ReplaysTheFirstAnswer_AndCreatesOnce()
    {
        var facility = await _client.CreateFacilityAsync();
        var key = Guid.NewGuid().ToString();
        var first = await _client.PostWithKeyAsync("/api/v1/facility/children", IdempotentRequests.NewChild(), facility.AdminToken, key);
        var created = await first.ExpectAsync(HttpStatusCode.Created);
        Assert.False(first.IsReplay());

        var retry = await _client.PostWithKeyAsync("/api/v1/facility/children", IdempotentRequests.NewChild(), facility.AdminToken, key);
        var replayed = await retry.ExpectAsync(HttpStatusCode.Created);
        Assert.True(retry.IsReplay());
        Assert.Equal(created.GetRawText(), replayed.GetRawText());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(first.Headers.ETag, retry.Headers.ETag);
        Assert.Equal(1, await factory.QueryDbAsync(db => db.Children.CountAsync(c => c.FacilityId == facility.Id)));

        // Without a key every call runs anew.
        await (await _client.PostJsonAsync("/api/v1/facility/children", IdempotentRequests.NewChild(), facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        await (await _client.PostJsonAsync("/api/v1/facility/children", IdempotentRequests.NewChild(), facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(3, await factory.QueryDbAsync(db => db.Children.CountAsync(c => c.FacilityId == facility.Id)));
    }

    [Fact]
    public async Task SameKeyWithAnotherBody_Is422IdempotencyKeyReused_AndChangesNothing()
    {
        var facility = await _client.CreateFacilityAsync();
        var key = Guid.NewGuid().ToString();
        await (await _client.PostWithKeyAsync("/api/v1/facility/children", IdempotentRequests.NewChild("Mia"), facility.AdminToken, key))
            .ExpectAsync(HttpStatusCode.Created);

        var reused = await _client.PostWithKeyAsync("/api/v1/facility/children", IdempotentRequests.NewChild("Leon"), facility.AdminToken, key);
        await reused.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(1, await factory.QueryDbAsync(db => db.Children.CountAsync(c => c.FacilityId == facility.Id)));

        // German detail from the catalog.
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/facility/children")
        {
            Content = JsonContent.Create(IdempotentRequests.NewChild("Leon"), options: ApiClient.Json),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", facility.AdminToken);
        request.Headers.Add("Idempotency-Key", key);
        request.Headers.AcceptLanguage.ParseAdd("de");
        var german = await (await _client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Contains("Idempotency-Key", german.GetProperty("detail").GetString());
        Assert.Contains("Anfrage", german.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task KeysBelongToTheCaller_AnotherStaffMembersSameKeyRunsItsOwnRequest()
    {
        var facility = await _client.CreateFacilityAsync();
        var key = Guid.NewGuid().ToString();
        var byAdmin = await (await _client.PostWithKeyAsync("/api/v1/facility/children", IdempotentRequests.NewChild(), facility.AdminToken, key))
            .ExpectAsync(HttpStatusCode.Created);
        var byEducator = await _client.PostWithKeyAsync("/api/v1/facility/children", IdempotentRequests.NewChild(), facility.EducatorToken, key);
        var created = await byEducator.ExpectAsync(HttpStatusCode.Created);
        Assert.False(byEducator.IsReplay());
        Assert.NotEqual(byAdmin.GetProperty("id").GetGuid(), created.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task RetryWhileTheFirstStillRuns_Is409RequestInProgress_ThenReplaysTheFirstAnswer()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());
        var path = $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}/pins";
        var key = Guid.NewGuid().ToString();
        var recordId = IdempotencyStore.RecordId($"admin:{await SubjectOfAsync(facility)}", key);

        // Hold the guardian's row lock, so the first request waits inside its handler (after taking the key).
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLink.Api.Infrastructure.Data.KitaLinkDbContext>();
        var transaction = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM guardians WHERE id = {guardian.GuardianId} FOR UPDATE");

        var first = _client.PostWithKeyAsync(path, null, facility.AdminToken, key);
        await WaitUntilAsync(() => factory.QueryDbAsync(d => d.IdempotencyRecords.AnyAsync(r => r.Id == recordId)));

        await (await _client.PostWithKeyAsync(path, null, facility.AdminToken, key))
            .ExpectProblemAsync(HttpStatusCode.Conflict, "request_in_progress");

        await transaction.RollbackAsync();
        var firstResponse = await first;
        var created = await firstResponse.ExpectAsync(HttpStatusCode.Created);

        var retry = await _client.PostWithKeyAsync(path, null, facility.AdminToken, key);
        var replayed = await retry.ExpectAsync(HttpStatusCode.Created);
        Assert.True(retry.IsReplay());
        // The same pair: a retried "create PINs" does not revoke the printed letter's pair or send a second PIN 2.
        Assert.Equal(created.GetProperty("pin1").GetString(), replayed.GetProperty("pin1").GetString());
        Assert.Equal(1, await factory.QueryDbAsync(d => d.PinPairs.CountAsync(p => p.GuardianId == guardian.GuardianId)));
    }

    [Fact]
    public async Task StoredAnswer_IsEncrypted_AndKeyIsHashed()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());
        var key = "pins-" + Guid.NewGuid();
        var created = await (await _client.PostWithKeyAsync(
            $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}/pins", null, facility.AdminToken, key))
            .ExpectAsync(HttpStatusCode.Created);
        var pin1 = created.GetProperty("pin1").GetString()!;

        var records = await factory.QueryDbAsync(db => db.IdempotencyRecords.AsNoTracking().ToListAsync());
        Assert.DoesNotContain(records, r => r.Id.Contains(key, StringComparison.Ordinal));
        Assert.All(records.Where(r => r.ProtectedBody is not null), r =>
            Assert.DoesNotContain(pin1, System.Text.Encoding.UTF8.GetString(r.ProtectedBody!), StringComparison.Ordinal));
    }

    [Fact]
    public async Task RegistrationRetry_ReplaysTheAccountAndLinkOnce()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);
        var body = new { email, password = ParentApi.Password, pin1 = pins.Pin1, pin2 = pins.Pin2 };
        var key = Guid.NewGuid().ToString();

        var first = await (await _client.PostWithKeyAsync("/api/v1/accounts", body, null, key)).ExpectAsync(HttpStatusCode.Created);
        var retry = await _client.PostWithKeyAsync("/api/v1/accounts", body, null, key);
        var replayed = await retry.ExpectAsync(HttpStatusCode.Created);
        Assert.True(retry.IsReplay());
        Assert.Equal(first.GetProperty("account").GetProperty("id").GetGuid(), replayed.GetProperty("account").GetProperty("id").GetGuid());
        // Without the key the retry would have been 409 pins_already_used.
        await (await _client.RegisterAsync(email, pins.Pin1, pins.Pin2)).ExpectProblemAsync(HttpStatusCode.Conflict, "pins_already_used");
    }

    [Theory]
    [InlineData("mit leerzeichen")]
    [InlineData("ümlaut")]
    [InlineData(null)]
    public async Task MalformedKey_Is400AndRunsNothing(string? key)
    {
        key ??= new string('k', 256);
        var facility = await _client.CreateFacilityAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/facility/children")
        {
            Content = JsonContent.Create(IdempotentRequests.NewChild(), options: ApiClient.Json),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", facility.AdminToken);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        var problem = await (await _client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.HasFieldError("Idempotency-Key"));
        Assert.Equal(0, await factory.QueryDbAsync(db => db.Children.CountAsync(c => c.FacilityId == facility.Id)));
    }

    private async Task<string> SubjectOfAsync(TestFacility facility)
    {
        var payload = facility.AdminToken.Split('.')[1];
        var json = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(payload));
        await Task.CompletedTask;
        return json.RootElement.GetProperty("sub").GetString()!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 60 s.");
            await Task.Delay(50);
        }
    }
}

/// <summary>Own class: it moves the clock a day forward.</summary>
public sealed class IdempotencyExpiryTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task WithinRetention_Replays_AfterIt_TheKeyIsCleanedUpAndRunsAnew()
    {
        var body = new { name = $"Kita {Guid.NewGuid():N}"[..20] };
        var key = Guid.NewGuid().ToString();
        var first = await (await _client.PostWithKeyAsync("/api/v1/facilities", body, await _client.OperatorTokenAsync(), key))
            .ExpectAsync(HttpStatusCode.Created);
        var store = factory.Services.GetRequiredService<IdempotencyStore>();

        factory.Time.Advance(TimeSpan.FromHours(23));
        await store.DeleteExpiredAsync(CancellationToken.None);
        var withinRetention = await _client.PostWithKeyAsync("/api/v1/facilities", body, await _client.OperatorTokenAsync(), key);
        await withinRetention.ExpectAsync(HttpStatusCode.Created);
        Assert.True(withinRetention.IsReplay());

        factory.Time.Advance(TimeSpan.FromHours(1.5));
        await store.DeleteExpiredAsync(CancellationToken.None);
        Assert.Equal(0, await factory.QueryDbAsync(db => db.IdempotencyRecords.CountAsync()));

        var afterRetention = await _client.PostWithKeyAsync("/api/v1/facilities", body, await _client.OperatorTokenAsync(), key);
        var again = await afterRetention.ExpectAsync(HttpStatusCode.Created);
        Assert.False(afterRetention.IsReplay());
        Assert.NotEqual(first.GetProperty("id").GetGuid(), again.GetProperty("id").GetGuid());
    }
}
