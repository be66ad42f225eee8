using System.Net;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Security;

/// <summary>Logins from one address are limited to two per 10 minutes.</summary>
public sealed class TwoLoginsFactory : SecurityFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["RateLimits:LoginPerAddress:Limit"] = "2",
        ["RateLimits:LoginPerAddress:WindowSeconds"] = "600",
    };
}

/// <summary>
/// Security events without an account to audit them on go to the <c>KitaLink.Security</c> log with the
/// client address: rejected tokens, denied access, refused input, exceeded limits. No submitted value
/// appears in them.
/// </summary>
public sealed class SecurityEventLogTests(TwoLoginsFactory factory) : IClassFixture<TwoLoginsFactory>
{
    /// <summary>The KitaLink.Security lines written while <paramref name="action"/> ran from a fresh address, and that address.</summary>
    private async Task<(List<string> Lines, string Address)> SecurityLinesAsync(Func<HttpClient, Task> action)
    {
        var address = SecurityFactory.UniqueAddress();
        await action(factory.ClientBehindProxy(address));
        var lines = factory.Logs.Lines.Where(l => l.Contains($" {SecurityLog.Category}: ", StringComparison.Ordinal) && l.Contains(address, StringComparison.Ordinal)).ToList();
        return (lines, address);
    }

    [Fact]
    public async Task RejectedToken_IsLoggedWithTheReason_NotTheToken()
    {
        const string forged = "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        var (lines, _) = await SecurityLinesAsync(async client =>
            await (await client.GetAsync("/api/v1/me", forged)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated));

        var line = Assert.Single(lines);
        Assert.Contains("Bearer token rejected on GET /api/v1/me", line, StringComparison.Ordinal);
        Assert.Contains("Exception", line, StringComparison.Ordinal);
        Assert.DoesNotContain("c2lnbmF0dXJl", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeniedAccess_IsLoggedWithRoleAndUser()
    {
        var facility = await factory.SharedFacilityAsync();
        var (lines, _) = await SecurityLinesAsync(async client =>
            await (await client.GetAsync("/api/v1/facilities", facility.EducatorToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden));

        var line = Assert.Single(lines);
        Assert.Contains("Access denied: educator", line, StringComparison.Ordinal);
        Assert.Contains("GET /api/v1/facilities", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedInput_IsLoggedWithTheFieldNames_NotTheValues()
    {
        const string injected = "<script>alert('kitalink')</script>";
        var facility = await factory.SharedFacilityAsync();
        var (lines, _) = await SecurityLinesAsync(async client =>
            await (await client.PostJsonAsync("/api/v1/facility/children",
                new { firstName = injected, lastName = "Schneider", dateOfBirth = "2022-05-01" }, facility.AdminToken))
                .ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed));

        var line = Assert.Single(lines);
        Assert.Contains("refused: invalid firstName", line, StringComparison.Ordinal);
        Assert.DoesNotContain(injected, factory.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExceededLimit_IsLoggedWithTheRuleAndAddress()
    {
        var (lines, address) = await SecurityLinesAsync(async client =>
        {
            for (var i = 0; i < 2; i++)
            {
                await client.LoginAsync(ParentApi.UniqueEmail(), "Not-The-Password-2026");
            }
            await (await client.LoginAsync(ParentApi.UniqueEmail(), "Not-The-Password-2026"))
                .ExpectProblemAsync(HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        });

        var line = Assert.Single(lines);
        Assert.Contains($"Rate limit LoginPerAddress exceeded by {address} on POST /api/v1/auth/token", line, StringComparison.Ordinal);
    }
}
