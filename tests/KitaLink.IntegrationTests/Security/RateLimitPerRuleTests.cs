using System.Net;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.IntegrationTests.Infrastructure;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Security;

/// <summary>Every limit at 3 requests per 10 minutes, PIN 2 resends at 2 per guardian and hour.</summary>
public sealed class TightLimitsFactory : SecurityFactory
{
    public const int Limit = 3;
    public const int WindowSeconds = 600;
    public const int Pin2ResendsPerHour = 2;

    protected override IDictionary<string, string?> ExtraSettings
    {
        get
        {
            var settings = new Dictionary<string, string?> { ["Pins:Pin2ResendsPerHour"] = Pin2ResendsPerHour.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            foreach (var rule in typeof(RateLimitRules.Names).GetFields())
            {
                settings[$"RateLimits:{rule.GetValue(null)}:Limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                settings[$"RateLimits:{rule.GetValue(null)}:WindowSeconds"] = WindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return settings;
        }
    }
}

/// <summary>
/// 429 <c>rate_limited</c> with <c>Retry-After</c> past each limit: per client address (the address the
/// trusted proxy forwarded, or the connection's) and per account, email or guardian, the latter counted
/// over every address the requests come from.
/// </summary>
public sealed class RateLimitPerRuleTests(TightLimitsFactory factory) : IClassFixture<TightLimitsFactory>
{
    private const int Limit = TightLimitsFactory.Limit;
    private const string WellFormedUnknownPin = "ABCD-EFGH";
    private const string WrongPassword = "Not-The-Password-2026";

    private static async Task AssertLimitedAsync(HttpResponseMessage response, int windowSeconds = TightLimitsFactory.WindowSeconds)
    {
        await response.ExpectProblemAsync(HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is not null, "429 without Retry-After");
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, windowSeconds);
    }

    private HttpClient FromNewAddress() => factory.ClientBehindProxy(SecurityFactory.UniqueAddress());

    private Task<HttpResponseMessage> RegisterAsync(HttpClient client, string email) =>
        client.RegisterAsync(email, WellFormedUnknownPin, WellFormedUnknownPin);

    private async Task<ParentSession> NewParentAsync()
    {
        var email = ParentApi.UniqueEmail();
        return await factory.CreateClient().RegisterAsync(email, await factory.IssuePinsAsync(email));
    }

    [Fact]
    public async Task Registration_PastThePerAddressLimit_Returns429_AndOtherAddressesGoOn()
    {
        var client = FromNewAddress();
        for (var i = 0; i < Limit; i++)
        {
            await (await RegisterAsync(client, ParentApi.UniqueEmail())).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        }
        await AssertLimitedAsync(await RegisterAsync(client, ParentApi.UniqueEmail()));
        await (await RegisterAsync(FromNewAddress(), ParentApi.UniqueEmail())).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
    }

    [Fact]
    public async Task Registration_ForOneEmail_IsLimitedOverEveryAddress()
    {
        var email = ParentApi.UniqueEmail();
        for (var i = 0; i < Limit; i++)
        {
            await (await RegisterAsync(FromNewAddress(), email)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        }
        // Letter case and surrounding spaces make no new partition.
        await AssertLimitedAsync(await RegisterAsync(FromNewAddress(), $" {email.ToUpperInvariant()} "));
    }

    [Fact]
    public async Task LinkChild_PastThePerAddressLimit_Returns429_WhateverTheAccount()
    {
        var first = await NewParentAsync();
        var second = await NewParentAsync();
        var client = FromNewAddress();
        await (await client.LinkChildAsync(first.AccessToken, WellFormedUnknownPin, WellFormedUnknownPin)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        await (await client.LinkChildAsync(first.AccessToken, WellFormedUnknownPin, WellFormedUnknownPin)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        await (await client.LinkChildAsync(second.AccessToken, WellFormedUnknownPin, WellFormedUnknownPin)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);

        // The second account has tried once, so it is the address that is used up.
        await AssertLimitedAsync(await client.LinkChildAsync(second.AccessToken, WellFormedUnknownPin, WellFormedUnknownPin));
        await (await FromNewAddress().LinkChildAsync(second.AccessToken, WellFormedUnknownPin, WellFormedUnknownPin)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
    }

    [Fact]
    public async Task LinkChild_ForOneAccount_IsLimitedOverEveryAddress()
    {
        var parent = await NewParentAsync();
        for (var i = 0; i < Limit; i++)
        {
            await (await FromNewAddress().LinkChildAsync(parent.AccessToken, WellFormedUnknownPin, WellFormedUnknownPin))
                .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        }
        await AssertLimitedAsync(await FromNewAddress().LinkChildAsync(parent.AccessToken, WellFormedUnknownPin, WellFormedUnknownPin));
    }

    [Theory]
    [InlineData("/api/v1/auth/token")]
    [InlineData("/api/v1/staff/auth/token")]
    public async Task Login_PastThePerAddressLimit_Returns429_AndTheWindowEndsIt(string path)
    {
        var client = FromNewAddress();
        for (var i = 0; i < Limit; i++)
        {
            await (await client.PostJsonAsync(path, new { email = ParentApi.UniqueEmail(), password = WrongPassword }))
                .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        }
        var limited = await client.PostJsonAsync(path, new { email = ParentApi.UniqueEmail(), password = WrongPassword });
        await AssertLimitedAsync(limited);

        factory.Time.Advance(limited.Headers.RetryAfter!.Delta!.Value);
        await (await client.PostJsonAsync(path, new { email = ParentApi.UniqueEmail(), password = WrongPassword }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
    }

    [Fact]
    public async Task ParentLogin_ForOneAccount_IsLimitedOverEveryAddress_AndAnUnknownEmailAlike()
    {
        var parent = await NewParentAsync();
        var unknown = ParentApi.UniqueEmail();
        foreach (var email in new[] { parent.Email, unknown })
        {
            for (var i = 0; i < Limit; i++)
            {
                await (await FromNewAddress().LoginAsync(email, WrongPassword)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
            }
            // Even the right password: the account's budget of attempts is spent, wherever they came from.
            await AssertLimitedAsync(await FromNewAddress().LoginAsync(email.ToUpperInvariant(), parent.Password));
        }
    }

    [Fact]
    public async Task StaffLogin_ForOneAccount_IsLimitedOverEveryAddress()
    {
        var facility = await factory.SharedFacilityAsync();
        var email = $"erzieherin-{Guid.NewGuid():N}@test.kitalink.example";
        await (await factory.CreateClient().PostJsonAsync("/api/v1/facility/staff",
            new { email, displayName = "Erika Erzieherin", password = StaffApi.StaffPassword, role = "educator" }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);

        for (var i = 0; i < Limit; i++)
        {
            await (await FromNewAddress().PostJsonAsync("/api/v1/staff/auth/token", new { email, password = WrongPassword }))
                .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        }
        await AssertLimitedAsync(await FromNewAddress().PostJsonAsync("/api/v1/staff/auth/token", new { email, password = StaffApi.StaffPassword }));
    }

    [Fact]
    public async Task Refresh_PastThePerAddressLimit_Returns429()
    {
        var client = FromNewAddress();
        for (var i = 0; i < Limit; i++)
        {
            await (await client.RefreshAsync(SecretTokens.Generate())).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        }
        // A genuine refresh token from the same address is refused too: the limit is on the address.
        var parent = await NewParentAsync();
        await AssertLimitedAsync(await client.RefreshAsync(parent.RefreshToken));
        await (await FromNewAddress().RefreshAsync(parent.RefreshToken)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task PasswordReset_PastThePerAddressLimit_Returns429()
    {
        var client = FromNewAddress();
        for (var i = 0; i < Limit; i++)
        {
            await (await client.PostJsonAsync("/api/v1/auth/password-reset", new { email = ParentApi.UniqueEmail() })).ExpectAsync(HttpStatusCode.Accepted);
        }
        await AssertLimitedAsync(await client.PostJsonAsync("/api/v1/auth/password-reset", new { email = ParentApi.UniqueEmail() }));
    }

    [Fact]
    public async Task PasswordReset_ForOneEmail_IsLimitedOverEveryAddress()
    {
        var email = ParentApi.UniqueEmail();
        for (var i = 0; i < Limit; i++)
        {
            await (await FromNewAddress().PostJsonAsync("/api/v1/auth/password-reset", new { email })).ExpectAsync(HttpStatusCode.Accepted);
        }
        await AssertLimitedAsync(await FromNewAddress().PostJsonAsync("/api/v1/auth/password-reset", new { email = email.ToUpperInvariant() }));
    }

    [Fact]
    public async Task PasswordResetConfirm_PastThePerAddressLimit_Returns429()
    {
        var client = FromNewAddress();
        for (var i = 0; i < Limit; i++)
        {
            await (await client.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token = SecretTokens.Generate(), newPassword = "Regenbogen-Leuchtturm-77" }))
                .ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ResetTokenInvalid);
        }
        await AssertLimitedAsync(await client.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token = SecretTokens.Generate(), newPassword = "Regenbogen-Leuchtturm-77" }));
    }

    [Fact]
    public async Task Pin2Resend_PastThePerAddressLimit_Returns429_WhateverTheGuardian()
    {
        var facility = await factory.SharedFacilityAsync();
        var setup = factory.CreateClient();
        var guardians = new List<TestGuardian>();
        for (var i = 0; i < 2; i++)
        {
            var guardian = await setup.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());
            await (await setup.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
            guardians.Add(guardian);
        }

        var client = FromNewAddress();
        await (await client.PostJsonAsync(PinsPath(guardians[0]) + "/pin2", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        await (await client.PostJsonAsync(PinsPath(guardians[0]) + "/pin2", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        await (await client.PostJsonAsync(PinsPath(guardians[1]) + "/pin2", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        await AssertLimitedAsync(await client.PostJsonAsync(PinsPath(guardians[1]) + "/pin2", null, facility.AdminToken));
    }

    [Fact]
    public async Task Pin2Resend_ForOneGuardian_IsLimitedOverEveryAddressAndStaffMember()
    {
        var facility = await factory.SharedFacilityAsync();
        var setup = factory.CreateClient();
        var guardian = await setup.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());
        await (await setup.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);

        await (await FromNewAddress().PostJsonAsync(PinsPath(guardian) + "/pin2", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        await (await FromNewAddress().PostJsonAsync(PinsPath(guardian) + "/pin2", null, facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        await AssertLimitedAsync(await FromNewAddress().PostJsonAsync(PinsPath(guardian) + "/pin2", null, facility.AdminToken), windowSeconds: 3600);
    }
}
