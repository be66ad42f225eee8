using System.Net;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Security;

public sealed class TightLoginLimitsFactory : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:LoginPerAddress:Limit"] = "1000",
        ["RateLimits:LoginPerAccount:Limit"] = "3",
        ["RateLimits:LoginPerAccount:WindowSeconds"] = "600",
    };
}

/// <summary>A second API instance on the first one's database (shared counters, keys and accounts).</summary>
public sealed class SecondInstanceFactory(string connectionString) : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:LoginPerAddress:Limit"] = "1000",
        ["RateLimits:LoginPerAccount:Limit"] = "3",
        ["RateLimits:LoginPerAccount:WindowSeconds"] = "600",
    };

    public override Task InitializeAsync()
    {
        ConnectionString = connectionString;
        Smtp.Start();
        return Task.CompletedTask;
    }
}

public sealed class RateLimitTests(TightLoginLimitsFactory factory) : IClassFixture<TightLoginLimitsFactory>
{
    [Fact]
    public async Task StaffLogin_PastPerAccountLimit_Returns429WithRetryAfter()
    {
        var client = factory.CreateClient();
        var email = $"limit-{Guid.NewGuid():N}@test.kitalink.example";
        for (var i = 0; i < 3; i++)
        {
            await (await client.PostJsonAsync("/api/v1/staff/auth/token", new { email, password = "wrong-password-123" }))
                .ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        var limited = await client.PostJsonAsync("/api/v1/staff/auth/token", new { email = email.ToUpperInvariant(), password = "wrong-password-123" });
        await limited.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 600);

        // The window ends: the account may try again.
        factory.Time.Advance(TimeSpan.FromSeconds(601));
        await (await client.PostJsonAsync("/api/v1/staff/auth/token", new { email, password = "wrong-password-123" }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task RateLimitCounters_AreSharedBetweenInstances()
    {
        await using var second = new SecondInstanceFactory(factory.ConnectionString);
        await second.InitializeAsync();
        // Both instances on one clock, so they count in the same window.
        var later = factory.Time.GetUtcNow() > second.Time.GetUtcNow() ? factory.Time.GetUtcNow() : second.Time.GetUtcNow();
        factory.Time.SetUtcNow(later);
        second.Time.SetUtcNow(later);
        var email = $"shared-{Guid.NewGuid():N}@test.kitalink.example";

        for (var i = 0; i < 3; i++)
        {
            var instance = i % 2 == 0 ? factory.CreateClient() : second.CreateClient();
            await (await instance.PostJsonAsync("/api/v1/staff/auth/token", new { email, password = "wrong-password-123" }))
                .ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        await (await second.CreateClient().PostJsonAsync("/api/v1/staff/auth/token", new { email, password = "wrong-password-123" }))
            .ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        await (await factory.CreateClient().PostJsonAsync("/api/v1/staff/auth/token", new { email, password = "wrong-password-123" }))
            .ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }
}
