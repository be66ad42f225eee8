using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Contract;

public sealed class ConditionalRequestTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Task<HttpResponseMessage> PatchAsync(string path, object body, string token, string? ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, path) { Content = JsonContent.Create(body, options: ApiClient.Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return _client.SendAsync(request);
    }

    [Fact]
    public async Task ChildPatch_WithTheReadsETag_Applies_WithAnOutdatedOne_Is412AndChangesNothing()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());
        var path = $"/api/v1/facility/children/{guardian.ChildId}";

        var read = await _client.GetAsync(path, facility.AdminToken);
        await read.ExpectAsync(HttpStatusCode.OK);
        var etag = read.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);

        // Staff member A saves first, with the version both read.
        var first = await PatchAsync(path, new { group = "Igel" }, facility.AdminToken, etag.Tag);
        await first.ExpectAsync(HttpStatusCode.OK);
        Assert.NotEqual(etag, first.Headers.ETag);

        // Staff member B saves with the same, now outdated version: 412, not a silent overwrite.
        await (await PatchAsync(path, new { group = "Käfer" }, facility.EducatorToken, etag.Tag))
            .ExpectProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        var now = await (await _client.GetAsync(path, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Igel", now.GetProperty("group").GetString());

        // With the current version (or *, or without If-Match) it applies.
        await (await PatchAsync(path, new { group = "Käfer" }, facility.EducatorToken, first.Headers.ETag!.Tag)).ExpectAsync(HttpStatusCode.OK);
        await (await PatchAsync(path, new { group = "Bären" }, facility.EducatorToken, "*")).ExpectAsync(HttpStatusCode.OK);
        await (await PatchAsync(path, new { group = "Füchse" }, facility.EducatorToken, null)).ExpectAsync(HttpStatusCode.OK);
        // A weak tag never matches If-Match (strong comparison).
        var current = (await _client.GetAsync(path, facility.AdminToken)).Headers.ETag!.Tag;
        await (await PatchAsync(path, new { group = "Igel" }, facility.EducatorToken, "W/" + current))
            .ExpectProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
    }

    [Fact]
    public async Task GuardianPatch_WithAnOutdatedETag_Is412AndKeepsTheEmail()
    {
        var facility = await _client.CreateFacilityAsync();
        var email = ParentApi.UniqueEmail();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, email);
        var path = $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}";

        var read = await _client.GetAsync(path, facility.AdminToken);
        await read.ExpectAsync(HttpStatusCode.OK);
        var etag = read.Headers.ETag!.Tag;

        await (await PatchAsync(path, new { name = "Julia Schneider-Weber" }, facility.AdminToken, etag)).ExpectAsync(HttpStatusCode.OK);
        await (await PatchAsync(path, new { email = ParentApi.UniqueEmail() }, facility.EducatorToken, etag))
            .ExpectProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");

        var now = await (await _client.GetAsync(path, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(email, now.GetProperty("email").GetString());
        Assert.Equal("Julia Schneider-Weber", now.GetProperty("name").GetString());
    }

    [Fact]
    public async Task CreatedChildAndGuardian_CarryAnETagThatMatchesTheirRead()
    {
        var facility = await _client.CreateFacilityAsync();
        var created = await _client.PostJsonAsync("/api/v1/facility/children", IdempotentRequests.NewChild(), facility.AdminToken);
        var child = await created.ExpectAsync(HttpStatusCode.Created);
        var read = await _client.GetAsync($"/api/v1/facility/children/{child.GetProperty("id").GetGuid()}", facility.AdminToken);
        await read.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(created.Headers.ETag, read.Headers.ETag);
    }
}

public sealed class BearerChallengeTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task NoToken_Is401WithPlainBearerChallenge()
    {
        var response = await _client.GetAsync("/api/v1/me", token: null);
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().ToString());
    }

    [Fact]
    public async Task MalformedOrExpiredToken_Is401WithInvalidTokenChallenge()
    {
        var garbage = await _client.GetAsync("/api/v1/facility/children", "not-a-jwt");
        await garbage.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal("Bearer error=\"invalid_token\"", garbage.Headers.WwwAuthenticate.Single().ToString());

        var facility = await _client.CreateFacilityAsync();
        factory.Time.Advance(TimeSpan.FromHours(2));
        try
        {
            var expired = await _client.GetAsync("/api/v1/facility/children", facility.AdminToken);
            await expired.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
            Assert.Equal("Bearer error=\"invalid_token\"", expired.Headers.WwwAuthenticate.Single().ToString());
        }
        finally
        {
            factory.Time.Advance(TimeSpan.FromMinutes(1));
        }
    }

    [Fact]
    public async Task RevokedParentToken_OnTheHotPath_Is401WithInvalidTokenChallenge()
    {
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));
        await (await _client.PostJsonAsync("/api/v1/auth/logout", new { }, parent.AccessToken)).ExpectAsync(HttpStatusCode.NoContent);

        var response = await _client.GetAsync("/api/v1/me/children", parent.AccessToken);
        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.Single().ToString());
    }
}
