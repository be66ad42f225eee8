using System.Net;
using System.Text.Json;
using KitaLink.Api.Children;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Children;

/// <summary>
/// <c>GET /facility/children</c> runs one hand-written statement per combination of filters
/// (<see cref="FacilityChildrenReader"/>). Every combination, paged two children at a time, must answer exactly what
/// the list means, written here as an EF Core query over the same tables: same children, same order, same fields,
/// same guardian counts.
/// </summary>
public sealed class ChildListStatementsTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task EveryFilterCombination_PagedTwoAtATime_AnswersWhatTheEfCoreQueryFinds()
    {
        var facility = await _client.CreateFacilityAsync();
        var other = await _client.CreateFacilityAsync();
        await _client.CreateChildAsync(other, "Anna", "Becker", "Igel");
        var children = new List<Guid>
        {
            await _client.CreateChildAsync(facility, "Anna", "Becker", "Igel"),
            await _client.CreateChildAsync(facility, "Ben", "Becker", "Igel"),
            await _client.CreateChildAsync(facility, "Anna", "Becker", "Käfer"),
            await _client.CreateChildAsync(facility, "Cem", "Anbeck", "Igel"),
            await _client.CreateChildAsync(facility, "Dana", "Abel", null),
            await _client.CreateChildAsync(facility, "Emil", "Zander", "Igel"),
            await _client.CreateChildAsync(facility, "Fritzi", "Becker-Anbeck", "Igel"),
        };
        await _client.SetChildStatusAsync(facility, children[1], "left");
        await _client.SetChildStatusAsync(facility, children[5], "left");
        for (var i = 0; i < 3; i++)
        {
            await AddGuardianAsync(facility, children[0]);
        }
        await AddGuardianAsync(facility, children[3]);

        string?[] statuses = [null, "active", "left"];
        string?[] groups = [null, "Igel"];
        string?[] searches = [null, "BECK", "anna becker", "%_\\"];
        foreach (var status in statuses)
        {
            foreach (var group in groups)
            {
                foreach (var search in searches)
                {
                    var expected = await ExpectedAsync(facility.Id, status, group, search);
                    var answered = await PageThroughAsync(facility, status, group, search);
                    Assert.True(expected.SequenceEqual(answered),
                        $"status={status}, group={group}, search={search}: expected [{string.Join(", ", expected)}], " +
                        $"answered [{string.Join(", ", answered)}]");
                }
            }
        }
        // The combinations are not vacuous: the search for "BECK" alone finds five children on three pages.
        Assert.Equal(5, (await ExpectedAsync(facility.Id, null, null, "BECK")).Count);
        Assert.Single(await ExpectedAsync(facility.Id, "left", "Igel", "beck"));
    }

    /// <summary>The children the list must show, in its order, as the same text the test builds from each answer.</summary>
    private async Task<List<string>> ExpectedAsync(Guid facilityId, string? status, string? group, string? search)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        var query = db.Children.AsNoTracking().Where(c => c.FacilityId == facilityId);
        if (status is not null)
        {
            var wanted = status == "left" ? ChildStatus.Left : ChildStatus.Active;
            query = query.Where(c => c.Status == wanted);
        }
        if (group is not null)
        {
            query = query.Where(c => c.Group == group);
        }
        var rows = await query
            .OrderBy(c => c.LastName).ThenBy(c => c.FirstName).ThenBy(c => c.Id)
            .Select(c => new { c.Id, c.FirstName, c.LastName, c.DateOfBirth, c.Group, c.Status, Guardians = c.Guardians.Count, c.CreatedAt, c.UpdatedAt })
            .ToListAsync();
        // The search matches part of the first name, the last name or both with a space, ignoring case; its
        // characters are literal (no LIKE wildcards).
        return rows
            .Where(c => search is null
                || c.FirstName.Contains(search, StringComparison.OrdinalIgnoreCase)
                || c.LastName.Contains(search, StringComparison.OrdinalIgnoreCase)
                || $"{c.FirstName} {c.LastName}".Contains(search, StringComparison.OrdinalIgnoreCase))
            .Select(c => Line(c.Id, c.FirstName, c.LastName, c.DateOfBirth.ToString("yyyy-MM-dd"), c.Group,
                c.Status == ChildStatus.Left ? "left" : "active", c.Guardians, c.CreatedAt, c.UpdatedAt))
            .ToList();
    }

    private async Task<List<string>> PageThroughAsync(TestFacility facility, string? status, string? group, string? search)
    {
        var lines = new List<string>();
        string? cursor = null;
        for (var page = 0; page < 10; page++)
        {
            var query = "?limit=2"
                + (status is null ? "" : "&status=" + status)
                + (group is null ? "" : "&group=" + Uri.EscapeDataString(group))
                + (search is null ? "" : "&search=" + Uri.EscapeDataString(search))
                + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var list = await (await _client.GetAsync($"/api/v1/facility/children{query}", facility.EducatorToken))
                .ExpectAsync(HttpStatusCode.OK);
            lines.AddRange(list.GetProperty("items").EnumerateArray().Select(c => Line(
                c.GetProperty("id").GetGuid(),
                c.GetProperty("firstName").GetString()!,
                c.GetProperty("lastName").GetString()!,
                c.GetProperty("dateOfBirth").GetString()!,
                c.GetProperty("group").GetString(),
                c.GetProperty("status").GetString()!,
                c.GetProperty("guardianCount").GetInt32(),
                c.GetProperty("createdAt").GetDateTimeOffset(),
                c.GetProperty("updatedAt").GetDateTimeOffset())));
            cursor = list.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : list.GetProperty("nextCursor").GetString();
            if (cursor is null)
            {
                return lines;
            }
        }
        throw new InvalidOperationException("The list never ended.");
    }

    private static string Line(Guid id, string first, string last, string born, string? group, string status, int guardians,
        DateTimeOffset created, DateTimeOffset updated) =>
        $"{last}/{first}/{id}/{born}/{group}/{status}/{guardians}/{created.UtcTicks}/{updated.UtcTicks}";

    private async Task AddGuardianAsync(TestFacility facility, Guid childId) =>
        await (await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians", new
        {
            name = "Julia Becker",
            relationship = "Mutter",
            email = ParentApi.UniqueEmail(),
        }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
}
