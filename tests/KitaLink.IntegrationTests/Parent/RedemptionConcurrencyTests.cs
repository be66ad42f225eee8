using System.Net;
using KitaLink.Api.Accounts;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Parent;

/// <summary>
/// The hashing capacity these races rely on, set explicitly: on a busy machine the default (one thread per core,
/// 10 s queue timeout) could answer 503 instead of the outcome under test.
/// </summary>
public sealed class RedemptionConcurrencyFactory : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Passwords:MaxConcurrentHashes"] = "2",
        ["Passwords:MaxQueuedHashes"] = "200",
        ["Passwords:QueueTimeoutMilliseconds"] = "60000",
    };
}

/// <summary>Single use under concurrency: exactly one of N parallel redemptions wins, and one email gets one account.</summary>
public sealed class RedemptionConcurrencyTests(RedemptionConcurrencyFactory factory) : IClassFixture<RedemptionConcurrencyFactory>
{
    private const int Parallel = 20;

    /// <summary>Starts <see cref="Parallel"/> requests at the same moment and collects status and problem code of each.</summary>
    private static async Task<List<Outcome>> RaceAsync(Func<int, Task<HttpResponseMessage>> request)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, Parallel).Select(async i =>
        {
            await gate.Task;
            return await request(i);
        }).ToList();
        gate.SetResult();
        var outcomes = new List<Outcome>();
        foreach (var response in await Task.WhenAll(tasks))
        {
            var body = await response.ReadJsonAsync();
            outcomes.Add(new(response.StatusCode, response.IsSuccessStatusCode ? null : body.GetProperty("code").GetString(), body.ToString()));
        }
        return outcomes;
    }

    private sealed record Outcome(HttpStatusCode Status, string? Code, string Body);

    /// <summary>Fails with every answer that is neither the one success nor an allowed refusal, so a failure says what happened.</summary>
    private static void AssertOneSuccessAndOnly(List<Outcome> outcomes, params string[] allowedRefusals)
    {
        var unexpected = outcomes.Where(o => o.Status != HttpStatusCode.Created && !allowedRefusals.Contains(o.Code)).ToList();
        var successes = outcomes.Count(o => o.Status == HttpStatusCode.Created);
        Assert.True(successes == 1 && unexpected.Count == 0,
            $"{successes} of {outcomes.Count} succeeded; unexpected answers:\n" + string.Join('\n', unexpected.Select(o => $"{(int)o.Status} {o.Body}")));
    }

    [Fact]
    public async Task ParallelRegistrations_WithOnePair_ExactlyOneSucceeds_TheRestGetPinsAlreadyUsed()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);
        var client = factory.CreateClient();

        var outcomes = await RaceAsync(_ => client.RegisterAsync(email, pins.Pin1, pins.Pin2));

        AssertOneSuccessAndOnly(outcomes, ErrorCodes.PinsAlreadyUsed);
        Assert.All(outcomes.Where(o => o.Status != HttpStatusCode.Created), o => Assert.Equal(HttpStatusCode.Conflict, o.Status));
        var normalized = EmailAddress.Normalize(email);
        Assert.Equal(1, await factory.QueryDbAsync(db => db.ParentAccounts.CountAsync(a => a.NormalizedEmail == normalized)));
        Assert.Equal(1, await factory.QueryDbAsync(db => db.ChildLinks.CountAsync(l => l.ChildId == pins.ChildId)));
    }

    [Fact]
    public async Task ParallelRegistrations_OfOneEmailWithTwoPairs_CreateOneAccount()
    {
        var email = ParentApi.UniqueEmail();
        var facility = await factory.SharedFacilityAsync();
        var first = await factory.IssuePinsAsync(email, facility);
        var second = await factory.IssuePinsAsync(email, facility);
        var client = factory.CreateClient();

        var outcomes = await RaceAsync(i =>
        {
            var pins = i % 2 == 0 ? first : second;
            return client.RegisterAsync(email, pins.Pin1, pins.Pin2);
        });

        AssertOneSuccessAndOnly(outcomes, ErrorCodes.AccountExists, ErrorCodes.PinsAlreadyUsed);
        Assert.Contains(outcomes, o => o.Code == ErrorCodes.AccountExists);
        var normalized = EmailAddress.Normalize(email);
        Assert.Equal(1, await factory.QueryDbAsync(db => db.ParentAccounts.CountAsync(a => a.NormalizedEmail == normalized)));
        // The losing pair was not used up: the parent links it after signing in.
        var states = await factory.QueryDbAsync(db => db.PinPairs.Where(p => p.ChildId == first.ChildId || p.ChildId == second.ChildId)
            .Select(p => p.State).ToListAsync());
        Assert.Equal([PinPairState.Pending, PinPairState.Redeemed], states.Order());
    }

    [Fact]
    public async Task ParallelLinks_WithOnePair_ExactlyOneSucceeds()
    {
        var email = ParentApi.UniqueEmail();
        var facility = await factory.SharedFacilityAsync();
        var parent = await factory.CreateClient().RegisterAsync(email, await factory.IssuePinsAsync(email, facility));
        var sibling = await factory.IssuePinsAsync(email, facility);
        var client = factory.CreateClient();

        var outcomes = await RaceAsync(_ => client.LinkChildAsync(parent, sibling));

        AssertOneSuccessAndOnly(outcomes, ErrorCodes.PinsAlreadyUsed);
        Assert.Equal(1, await factory.QueryDbAsync(db => db.ChildLinks.CountAsync(l => l.ChildId == sibling.ChildId)));
    }

    [Fact]
    public async Task ParallelRegistrations_WithOnePair_HashOnePassword()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);
        var client = factory.CreateClient();
        var hashing = factory.Services.GetRequiredService<PasswordHashing>();
        var hashesBefore = hashing.HashesComputed;

        var outcomes = await RaceAsync(_ => client.RegisterAsync(email, pins.Pin1, pins.Pin2));

        AssertOneSuccessAndOnly(outcomes, ErrorCodes.PinsAlreadyUsed);
        // Only the request holding the pair's claim hashed; the others found the pair redeemed without hashing.
        Assert.Equal(1, hashing.HashesComputed - hashesBefore);
    }
}
