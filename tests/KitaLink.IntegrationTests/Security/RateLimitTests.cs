using System.Net;
using KitaLink.IntegrationTests.Facilities;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;

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

public sealed class TightRefreshLimitFactory : KitaLinkFactory
{
    public const int Limit = 25;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:RefreshPerAddress:Limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits:RefreshPerAddress:WindowSeconds"] = "300",
    };
}

/// <summary>
/// The counters live in an unlogged table (no WAL, no flush at commit: one address's requests do not queue behind
/// each other's disk writes). That must not loosen the limit: concurrent requests of one address are counted exactly.
/// </summary>
public sealed class RateLimitCounterTests(TightRefreshLimitFactory factory) : IClassFixture<TightRefreshLimitFactory>
{
    [Fact]
    public async Task Counters_AreUnlogged_AndCountConcurrentRequestsOfOneAddressExactly()
    {
        var persistence = await factory.WithDbAsync(db => db.Database
            .SqlQueryRaw<string>("SELECT relpersistence::text AS \"Value\" FROM pg_class WHERE relname = 'rate_limit_counters'")
            .SingleAsync());
        Assert.Equal("u", persistence);

        var client = factory.CreateClient();
        var answers = await Task.WhenAll(Enumerable.Range(0, TightRefreshLimitFactory.Limit + 15).Select(i =>
            client.PostJsonAsync("/api/v1/auth/refresh", new { refreshToken = $"unknown-token-{i}" })));
        var statuses = answers.Select(a => (int)a.StatusCode).ToList();
        // Every request below the limit reaches the handler (401 for an unknown token); the rest are refused.
        Assert.Equal(TightRefreshLimitFactory.Limit, statuses.Count(s => s == 401));
        Assert.Equal(15, statuses.Count(s => s == 429));
        Assert.Equal(TightRefreshLimitFactory.Limit + 15, statuses.Count);
    }
}

public sealed class TightRefreshLimitBehindProxyFactory : SecurityFactory
{
    public const int Limit = 10;

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["RateLimits:RefreshPerAddress:Limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits:RefreshPerAddress:WindowSeconds"] = "300",
    };
}

/// <summary>
/// Concurrent requests of many addresses share the counting statements (one row per address in each): every address
/// must still be counted exactly, on its own.
/// </summary>
public sealed class RateLimitSharedCountTests(TightRefreshLimitBehindProxyFactory factory) : IClassFixture<TightRefreshLimitBehindProxyFactory>
{
    [Fact]
    public async Task ConcurrentRequestsOfManyAddresses_AreCountedExactlyPerAddress()
    {
        const int Addresses = 12;
        const int Limit = TightRefreshLimitBehindProxyFactory.Limit;
        var clients = Enumerable.Range(0, Addresses).Select(_ => factory.ClientBehindProxy(SecurityFactory.UniqueAddress())).ToList();
        // Address a sends Limit + 1 + a requests, interleaved with the others', so that the statements carry rows of
        // many addresses with several requests each and different totals.
        var requests = Enumerable.Range(0, Limit + Addresses)
            .SelectMany(i => clients.Select((client, address) => (Address: address, Index: i, Client: client)))
            .Where(r => r.Index < Limit + 1 + r.Address)
            .Select(r => (r.Address, Answer: r.Client.PostJsonAsync("/api/v1/auth/refresh", new { refreshToken = $"unknown-token-{r.Address}-{r.Index}" })))
            .ToList();
        await Task.WhenAll(requests.Select(r => r.Answer));

        foreach (var address in Enumerable.Range(0, Addresses))
        {
            var statuses = requests.Where(r => r.Address == address).Select(r => (int)r.Answer.Result.StatusCode).ToList();
            // Every request below the limit reaches the handler (401 for an unknown token); the rest are refused.
            Assert.Equal(Limit, statuses.Count(s => s == 401));
            Assert.Equal(1 + address, statuses.Count(s => s == 429));
        }
    }
}
