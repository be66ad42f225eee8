using System.Net;
using System.Text;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Mfa;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Security;

/// <summary>One browser origin is allowed (<c>Cors:AllowedOrigins</c>).</summary>
public sealed class CorsFactory : KitaLinkFactory
{
    public const string AllowedOrigin = "https://app.kitalink.example";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Cors:AllowedOrigins:0"] = AllowedOrigin,
    };
}

/// <summary>
/// Security headers on every API answer (success, error, PDF), CORS only for configured origins, and the
/// body limit also for bodies of undeclared length.
/// </summary>
public sealed class HttpHygieneTests(CorsFactory factory) : IClassFixture<CorsFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        string Header(string name) =>
            response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
                ? string.Join(",", values)
                : "";
        Assert.Equal("nosniff", Header("X-Content-Type-Options"));
        Assert.Contains("frame-ancestors 'none'", Header("Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", Header("Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal("DENY", Header("X-Frame-Options"));
        Assert.Equal("no-store", Header("Cache-Control"));
        Assert.Equal("no-referrer", Header("Referrer-Policy"));
        Assert.Equal("", Header("Server"));
        // Every body says what it is, JSON with its charset.
        var contentType = response.Content.Headers.ContentType;
        Assert.NotNull(contentType);
        if (contentType.MediaType!.EndsWith("json", StringComparison.Ordinal))
        {
            Assert.Equal("utf-8", contentType.CharSet);
        }
    }

    [Fact]
    public async Task AuthenticatedAnswers_AreNotStored_NotSniffed_NotFramed()
    {
        var facility = await factory.SharedFacilityAsync();
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email, facility);
        var parent = await _client.RegisterAsync(email, pins);

        var me = await _client.GetAsync("/api/v1/me", parent.AccessToken);
        await me.ExpectAsync(HttpStatusCode.OK);
        AssertSecurityHeaders(me);

        var children = await _client.GetAsync("/api/v1/facility/children", facility.AdminToken);
        await children.ExpectAsync(HttpStatusCode.OK);
        AssertSecurityHeaders(children);

        var team = await _client.GetAsync("/api/v1/facility/staff", facility.AdminToken);
        AssertSecurityHeaders(team);
        var educatorId = (await team.ExpectAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .First(s => s.GetProperty("role").GetString() == "educator").GetProperty("id").GetGuid();
        var reactivated = await _client.PostJsonAsync($"/api/v1/facility/staff/{educatorId}/reactivate", null, facility.AdminToken);
        await reactivated.ExpectAsync(HttpStatusCode.OK);
        AssertSecurityHeaders(reactivated);
        var changed = await _client.PostJsonAsync("/api/v1/staff/me/password",
            new { currentPassword = "Falsches-Passwort-2026", newPassword = "Pusteblume-Morgenrot-2027" }, facility.EducatorToken);
        await changed.ExpectAsync(HttpStatusCode.Unauthorized);
        AssertSecurityHeaders(changed);

        // The second factor: the setup answer carries the secret, the sign-in answers carry a challenge and tokens.
        var setup = await _client.PostJsonAsync(MfaTestSupport.ParentMfa + "/totp", null, parent.AccessToken);
        var secret = (await setup.ExpectAsync(HttpStatusCode.OK)).GetProperty("secret").GetString()!;
        AssertSecurityHeaders(setup);
        var confirmed = await _client.PostJsonAsync(MfaTestSupport.ParentMfa + "/totp/confirm", new { code = factory.CurrentCode(secret) }, parent.AccessToken);
        await confirmed.ExpectAsync(HttpStatusCode.OK);
        AssertSecurityHeaders(confirmed);
        factory.NextStep();
        var mfaRequired = await _client.LoginAsync(email, ParentApi.Password);
        var challenge = (await mfaRequired.ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaRequired)).GetProperty("challenge").GetString()!;
        AssertSecurityHeaders(mfaRequired);
        var completed = await _client.CompleteAsync(MfaTestSupport.ParentComplete, challenge, factory.CurrentCode(secret));
        await completed.ExpectAsync(HttpStatusCode.OK);
        AssertSecurityHeaders(completed);
        var settings = await _client.SendJsonAsync(HttpMethod.Put, "/api/v1/facility/settings/mfa", new { requiredForStaff = false }, facility.AdminToken);
        await settings.ExpectAsync(HttpStatusCode.OK);
        AssertSecurityHeaders(settings);

        var guardian = new TestGuardian(facility.Id, pins.ChildId, pins.GuardianId, email);
        await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var letter = await _client.GetAsync(PinsPath(guardian) + "/letter", facility.AdminToken);
        Assert.Equal("application/pdf", letter.Content.Headers.ContentType?.MediaType);
        AssertSecurityHeaders(letter);
    }

    [Fact]
    public async Task ErrorAnswers_CarryTheSameHeaders()
    {
        var unauthenticated = await _client.GetAsync("/api/v1/me", token: null);
        await unauthenticated.ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        AssertSecurityHeaders(unauthenticated);

        var notFound = await _client.GetAsync("/api/v1/nothing-here", token: null);
        await notFound.ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
        AssertSecurityHeaders(notFound);

        var unknownChallenge = await _client.CompleteAsync(MfaTestSupport.StaffComplete, "no-such-challenge", "123456");
        await unknownChallenge.ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        AssertSecurityHeaders(unknownChallenge);

        var malformed = await _client.PostAsync("/api/v1/auth/token", new StringContent("{", Encoding.UTF8, "application/json"));
        await malformed.ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        AssertSecurityHeaders(malformed);
    }

    [Fact]
    public async Task Cors_AllowsTheConfiguredOriginOnly()
    {
        async Task<HttpResponseMessage> PreflightAsync(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/auth/token");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "content-type");
            return await _client.SendAsync(request);
        }
        async Task<HttpResponseMessage> GetFromAsync(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
            request.Headers.Add("Origin", origin);
            return await _client.SendAsync(request);
        }
        static string? AllowedOrigin(HttpResponseMessage response) =>
            response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;

        var allowedPreflight = await PreflightAsync(CorsFactory.AllowedOrigin);
        Assert.Equal(CorsFactory.AllowedOrigin, AllowedOrigin(allowedPreflight));
        Assert.Contains("POST", string.Join(",", allowedPreflight.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        Assert.Equal(CorsFactory.AllowedOrigin, AllowedOrigin(await GetFromAsync(CorsFactory.AllowedOrigin)));

        foreach (var other in new[] { "https://evil.example", "https://app.kitalink.example.evil.example", "null" })
        {
            Assert.Null(AllowedOrigin(await PreflightAsync(other)));
            Assert.Null(AllowedOrigin(await GetFromAsync(other)));
        }
        // Never credentials: tokens travel in the Authorization header, not in cookies.
        Assert.False(allowedPreflight.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task BodyOfUndeclaredLength_OverTheLimit_Returns413()
    {
        var json = Encoding.UTF8.GetBytes($$"""{"email":"a@example.org","password":"{{new string('x', 100_000)}}"}""");
        // A stream of unknown length goes out chunked, without Content-Length.
        var content = new StreamContent(new NonSeekableStream(json));
        content.Headers.ContentType = new("application/json");

        var response = await _client.PostAsync("/api/v1/auth/token", content);

        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, ErrorCodes.PayloadTooLarge);
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
