using System.Net;
using KitaLink.Api.Accounts;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.IntegrationTests.Parent;

/// <summary>Single use under concurrency: exactly one of N parallel redemptions wins, and one email gets one account.</summary>
public sealed class RedemptionConcurrencyTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private const int Parallel = 20;

    /// <summary>Starts <see cref="Parallel"/> requests at the same moment and collects status and problem code of each.</summary>
    private static async Task<List<(HttpStatusCode Status, string? Code)>> RaceAsync(Func<int, Task<HttpResponseMessage>> request)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, Parallel).Select(async i =>
        {
            await gate.Task;
            return await request(i);
        }).ToList();
        gate.SetResult();
        var outcomes = new List<(HttpStatusCode, string?)>();
        foreach (var response in await Task.WhenAll(tasks))
        {
            var body = await response.ReadJsonAsync();
            outcomes.Add((response.StatusCode, response.IsSuccessStatusCode ? null : body.GetProperty("code").GetString()));
        }
        return outcomes;
    }

    [Fact]
    public async Task ParallelRegistrations_WithOnePair_ExactlyOneSucceeds_TheRestGetPinsAlreadyUsed()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);
        var client = factory.CreateClient();

        var outcomes = await RaceAsync(_ => client.RegisterAsync(email, pins.Pin1, pins.Pin2));

        Assert.Single(outcomes, o => o.Status == HttpStatusCode.Created);
        Assert.All(outcomes.Where(o => o.Status != HttpStatusCode.Created), o =>
        {
            Assert.Equal(HttpStatusCode.Conflict, o.Status);
            Assert.Equal(ErrorCodes.PinsAlreadyUsed, o.Code);
        });
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

        Assert.Single(outcomes, o => o.Status == HttpStatusCode.Created);
        Assert.All(outcomes.Where(o => o.Status != HttpStatusCode.Created), o =>
            Assert.Contains(o.Code, new[] { ErrorCodes.AccountExists, ErrorCodes.PinsAlreadyUsed }));
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

        Assert.Single(outcomes, o => o.Status == HttpStatusCode.Created);
        Assert.All(outcomes.Where(o => o.Status != HttpStatusCode.Created), o => Assert.Equal(ErrorCodes.PinsAlreadyUsed, o.Code));
        Assert.Equal(1, await factory.QueryDbAsync(db => db.ChildLinks.CountAsync(l => l.ChildId == sibling.ChildId)));
    }
}
