using System.Net;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Links;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Children;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Security;

/// <summary>
/// Another facility's ids are 404 on every staff endpoint, another family's child is 404 on every parent
/// endpoint — and the catalogs of those endpoints are checked against the routes the service really maps,
/// so a new route that takes an id fails here until it is added to a sweep.
/// </summary>
public sealed class IsolationSweepTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>"METHOD /route/pattern" of every mapped endpoint under <paramref name="prefix"/> that takes an id: a route parameter or a GUID in its body.</summary>
    private List<string> RoutesWithIds(string prefix)
    {
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        var routes = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            if (!pattern.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var bodyTakesId = endpoint.Metadata.GetOrderedMetadata<IAcceptsMetadata>()
                .Any(a => a.RequestType?.GetProperties().Any(p => p.PropertyType == typeof(Guid) || p.PropertyType == typeof(Guid?)) == true);
            if (endpoint.RoutePattern.Parameters.Count == 0 && !bodyTakesId)
            {
                continue;
            }
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                routes.Add($"{method} {pattern}");
            }
        }
        Assert.NotEmpty(routes);
        return routes;
    }

    [Fact]
    public void EveryFacilityRouteThatTakesAnId_IsInTheTenantIsolationSweep()
    {
        const string child = "/api/v1/facility/children/{childId:guid}";
        const string guardian = child + "/guardians/{guardianId:guid}";
        const string staff = "/api/v1/facility/staff/{staffId:guid}";
        var swept = TenantIsolationTests.Endpoints
            .Select((object[] row) => $"{row[0]} " + ((string)row[1]).Replace("{child}", child, StringComparison.Ordinal).Replace("{guardian}", guardian, StringComparison.Ordinal)
                .Replace("{staff}", staff, StringComparison.Ordinal)
                // POSTs to a collection map as ".../guardians/"; the sweep writes ".../guardians".
                .TrimEnd('/'))
            .Concat(PinBatches.PinBatchesApiTests.IsolatedRoutes)
            .ToHashSet();
        swept.UnionWith(Webhooks.WebhooksApiTests.MappedIdRoutes);

        var missing = RoutesWithIds("/api/v1/facility").Where(r => !swept.Contains(r)).ToList();

        Assert.True(missing.Count == 0, $"Not in TenantIsolationTests.Endpoints: {string.Join("; ", missing)}");
    }

    /// <summary>The parent routes that take a child id, with how this sweep calls them.</summary>
    public static TheoryData<string> ParentRoutes =>
    [
        "GET /api/v1/me/children/{childId:guid}",
        "POST /api/v1/me/children",
    ];

    [Fact]
    public void EveryParentRouteThatTakesAnId_IsInTheFamilySweep()
    {
        var swept = ParentRoutes.Select((object[] row) => (string)row[0]).ToHashSet();

        var missing = RoutesWithIds("/api/v1/me").Where(r => !swept.Contains(r)).ToList();

        Assert.True(missing.Count == 0, $"Not in IsolationSweepTests.ParentRoutes: {string.Join("; ", missing)}");
    }

    private static string Shape(System.Text.Json.JsonElement problem) =>
        string.Join("|", problem.EnumerateObject().Where(p => p.Name is not ("traceId" or "instance")).Select(p => $"{p.Name}={p.Value}"));

    [Theory]
    [MemberData(nameof(ParentRoutes))]
    public async Task ParentEndpoint_WithAnotherFamilysChild_Returns404_AndChangesNothingOfTheirs(string route)
    {
        var facility = await factory.SharedFacilityAsync();
        var victimEmail = ParentApi.UniqueEmail();
        var victimPins = await factory.IssuePinsAsync(victimEmail, facility);
        var victim = await _client.RegisterAsync(victimEmail, victimPins);
        // Left the facility: only the account scoping, not the "still active" rule, stands in the way of a move.
        await _client.SetChildStatusAsync(facility, victimPins.ChildId, "left");
        var attackerEmail = ParentApi.UniqueEmail();
        var attacker = await _client.RegisterAsync(attackerEmail, await factory.IssuePinsAsync(attackerEmail, facility));
        var attackersNextPins = await factory.IssuePinsAsync(attackerEmail, facility);

        Task<HttpResponseMessage> CallAsync(Guid childId) => route switch
        {
            "GET /api/v1/me/children/{childId:guid}" => _client.GetAsync($"/api/v1/me/children/{childId}", attacker.AccessToken),
            "POST /api/v1/me/children" => _client.LinkChildAsync(attacker, attackersNextPins, replacesChildId: childId),
            _ => throw new ArgumentOutOfRangeException(nameof(route)),
        };

        var foreign = await (await CallAsync(victimPins.ChildId)).ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
        var nonexistent = await (await CallAsync(Guid.NewGuid())).ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
        // Another family's child looks exactly like no child at all.
        Assert.Equal(Shape(nonexistent), Shape(foreign));
        var victimsLinks = await factory.QueryDbAsync(db => db.ChildLinks.AsNoTracking().Where(l => l.ChildId == victimPins.ChildId).ToListAsync());
        var link = Assert.Single(victimsLinks);
        Assert.Equal(victim.AccountId, link.AccountId);
        Assert.Equal(ChildLinkStatus.Active, link.Status);
        Assert.Equal(PinPairState.Pending, (await factory.PinPairOfAsync(attackersNextPins)).State);
        Assert.DoesNotContain(await _client.MyChildrenAsync(attacker.AccessToken, includeArchived: true),
            c => c.GetProperty("id").GetGuid() == victimPins.ChildId);
    }
}
