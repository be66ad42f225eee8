using System.Diagnostics;
using System.Net;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Security;

/// <summary>One password hash at a time, one waiting, and a long queue timeout.</summary>
public sealed class OneHashAtATimeFactory : SecurityFactory
{
    public const int QueueTimeoutMilliseconds = 30_000;

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Passwords:MaxConcurrentHashes"] = "1",
        ["Passwords:MaxQueuedHashes"] = "1",
        ["Passwords:QueueTimeoutMilliseconds"] = QueueTimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// Password hashing is bounded: a burst of logins beyond the slots and the queue gets 503
/// <c>service_unavailable</c> with <c>Retry-After</c> at once (long before the queue timeout), never a 500,
/// and the service answers normally again right after.
/// </summary>
public sealed class PasswordHashFloodTests(OneHashAtATimeFactory factory) : IClassFixture<OneHashAtATimeFactory>
{
    [Fact]
    public async Task LoginBurst_BeyondSlotAndQueue_GetsQuick503WithRetryAfter_AndNo500()
    {
        const int burst = 24;
        var client = factory.CreateClient();
        await (await client.GetAsync("/health/ready")).ExpectAsync(HttpStatusCode.OK);

        var calls = Enumerable.Range(0, burst).Select(async i =>
        {
            var watch = Stopwatch.StartNew();
            // Distinct unknown emails: no row lock serialises them, each one costs a (dummy) hash.
            var response = await client.PostJsonAsync(i % 2 == 0 ? "/api/v1/auth/token" : "/api/v1/staff/auth/token",
                new { email = $"flood-{i}-{Guid.NewGuid():N}@example.org", password = "Not-The-Password-2026" });
            return (Response: response, Elapsed: watch.Elapsed);
        }).ToList();
        var results = await Task.WhenAll(calls);

        Assert.DoesNotContain(results, r => (int)r.Response.StatusCode >= 500 && r.Response.StatusCode != HttpStatusCode.ServiceUnavailable);
        Assert.All(results, r => Assert.Contains(r.Response.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.ServiceUnavailable }));
        var shed = results.Where(r => r.Response.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(shed);
        Assert.Contains(results, r => r.Response.StatusCode == HttpStatusCode.Unauthorized);
        foreach (var (response, elapsed) in shed)
        {
            await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, ErrorCodes.ServiceUnavailable);
            Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "503 without Retry-After");
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            // Shed at the door, not after waiting out the queue timeout.
            Assert.True(elapsed < TimeSpan.FromMilliseconds(OneHashAtATimeFactory.QueueTimeoutMilliseconds / 2), $"503 took {elapsed}");
        }

        // The flood is over: the next login is answered normally.
        await (await client.LoginAsync($"after-{Guid.NewGuid():N}@example.org", "Not-The-Password-2026"))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
    }
}
