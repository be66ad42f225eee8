using System.Net;
using System.Text.Json;
using KitaLink.Api.Children;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Contract;

public sealed class PagingTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task ChildList_PagesThrough250Children_WithoutGapsOrRepeats_EvenWhenChildrenAreAddedMeanwhile()
    {
        var facility = await _client.CreateFacilityAsync();
        // Few distinct names, so most pages break inside a run of equal names (the id decides the order there).
        string[] lastNames = ["Becker", "Schneider", "Yilmaz", "Öztürk", "Abel"];
        string[] firstNames = ["Mia", "Leon", "Emma", "Noah", "Zoë"];
        var created = new List<Guid>();
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KitaLink.Api.Infrastructure.Data.KitaLinkDbContext>();
            for (var i = 0; i < 250; i++)
            {
                var child = new Child(facility.Id, firstNames[i % 5], lastNames[i / 5 % 5], new DateOnly(2022, 1, 1), null, factory.Time.GetUtcNow());
                db.Children.Add(child);
                created.Add(child.Id);
            }
            await db.SaveChangesAsync();
        }

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await _client.GetAsync(
                $"/api/v1/facility/children?limit=37{(cursor is null ? "" : "&cursor=" + cursor)}", facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
            var items = page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();
            Assert.InRange(items.Count, 1, 37);
            seen.AddRange(items);
            cursor = page.GetProperty("nextCursor").GetString();
            if (++pages == 2)
            {
                // Added while paging, sorting before and after the cursor: the remaining pages still hold every other child once.
                await _client.PostJsonAsync("/api/v1/facility/children", new { firstName = "Aaron", lastName = "Aal", dateOfBirth = "2022-02-02" }, facility.AdminToken);
                await _client.PostJsonAsync("/api/v1/facility/children", new { firstName = "Zara", lastName = "Zander", dateOfBirth = "2022-02-02" }, facility.AdminToken);
            }
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Empty(created.Except(seen));
        Assert.Equal(251, seen.Count); // the 250 plus Zara, who sorts after the cursor; Aaron sorts before it
        Assert.Equal(7, pages);
    }

    [Fact]
    public async Task EveryList_AnswersItemsAndNextCursor_AndRefusesAForeignCursor()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());
        var operatorToken = await _client.OperatorTokenAsync();
        var lists = new (string Path, string Token)[]
        {
            ("/api/v1/facility/children", facility.AdminToken),
            ($"/api/v1/facility/children/{guardian.ChildId}/events", facility.AdminToken),
            ("/api/v1/facility/staff", facility.AdminToken),
            ("/api/v1/facilities", operatorToken),
        };
        var cursors = new List<string>();
        foreach (var (path, token) in lists)
        {
            var page = await (await _client.GetAsync(path + "?limit=1", token)).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(1, page.GetProperty("items").GetArrayLength());
            cursors.Add(page.GetProperty("nextCursor").GetString()!);
            await (await _client.GetAsync(path + "?limit=201", token)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        }
        // A cursor of one list is refused by another (it is opaque, but not interchangeable).
        for (var i = 0; i < lists.Length; i++)
        {
            var (path, token) = lists[i];
            var foreign = cursors[(i + 1) % cursors.Count];
            var problem = await (await _client.GetAsync($"{path}?cursor={foreign}", token)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            Assert.True(problem.HasFieldError("cursor"));
        }
    }

    [Fact]
    public async Task MyChildren_PagesWithTheSameScheme()
    {
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));
        await (await _client.LinkChildAsync(parent, await factory.IssuePinsAsync(email))).ExpectAsync(HttpStatusCode.Created);
        await (await _client.LinkChildAsync(parent, await factory.IssuePinsAsync(email))).ExpectAsync(HttpStatusCode.Created);

        var all = await (await _client.GetAsync("/api/v1/me/children", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        var allIds = Ids(all);
        Assert.Equal(3, allIds.Count);
        Assert.Equal(JsonValueKind.Null, all.GetProperty("nextCursor").ValueKind);

        var first = await (await _client.GetAsync("/api/v1/me/children?limit=2", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        var cursor = first.GetProperty("nextCursor").GetString();
        Assert.NotNull(cursor);
        var second = await (await _client.GetAsync($"/api/v1/me/children?limit=2&cursor={cursor}", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        Assert.Equal(allIds, Ids(first).Concat(Ids(second)).ToList());

        // A full last page says so without an extra round trip.
        var exact = await (await _client.GetAsync("/api/v1/me/children?limit=3", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, exact.GetProperty("nextCursor").ValueKind);
        await (await _client.GetAsync("/api/v1/me/children?limit=0", parent.AccessToken)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    private static List<Guid> Ids(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();
}
