using System.Net;
using System.Text.Json;
using KitaLink.Api.Audit;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;

namespace KitaLink.IntegrationTests.Children;

public sealed class ChildrenApiTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task CreateChild_Returns201WithProfileAndAudits()
    {
        var facility = await _client.CreateFacilityAsync();
        var response = await _client.PostJsonAsync("/api/v1/facility/children",
            new { firstName = " Mia ", lastName = "Schneider", dateOfBirth = "2022-03-14", group = "Igel" }, facility.EducatorToken);
        var child = await response.ExpectAsync(HttpStatusCode.Created);
        var id = child.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/facility/children/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Mia", child.GetProperty("firstName").GetString());
        Assert.Equal("2022-03-14", child.GetProperty("dateOfBirth").GetString());
        Assert.Equal("Igel", child.GetProperty("group").GetString());
        Assert.Equal("active", child.GetProperty("status").GetString());
        Assert.Equal(0, child.GetProperty("guardians").GetArrayLength());

        var profile = await (await _client.GetAsync($"/api/v1/facility/children/{id}", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Schneider", profile.GetProperty("lastName").GetString());

        var events = await (await _client.GetAsync($"/api/v1/facility/children/{id}/events", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var created = events.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(AuditActions.ChildCreated, created.GetProperty("action").GetString());
        Assert.Equal("staff", created.GetProperty("actor").GetProperty("type").GetString());
        Assert.Equal("Eva Educator", created.GetProperty("actor").GetProperty("name").GetString());
    }

    [Fact]
    public async Task CreateChild_WithInvalidFields_Returns400PerFieldAndCreatesNothing()
    {
        var facility = await _client.CreateFacilityAsync();
        var tomorrow = DateOnly.FromDateTime(factory.Time.GetUtcNow().UtcDateTime).AddDays(1);

        var missing = await (await _client.PostJsonAsync("/api/v1/facility/children",
            new { firstName = "", lastName = new string('x', 101) }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(missing, "firstName", "lastName", "dateOfBirth");

        var future = await (await _client.PostJsonAsync("/api/v1/facility/children",
            new { firstName = "Mia", lastName = "S", dateOfBirth = tomorrow.ToString("O"), group = new string('g', 101) }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(future, "dateOfBirth", "group");

        Assert.Equal(0, await factory.WithDbAsync(db => db.Children.CountAsync(c => c.FacilityId == facility.Id)));
    }

    [Fact]
    public async Task CreateChild_IgnoresUnknownMembers_SoNoFacilityCanBeSmuggledIn()
    {
        var facility = await _client.CreateFacilityAsync();
        var other = await _client.CreateFacilityAsync();
        // A growable create request: unknown members are ignored (never bound); the facility comes from the token.
        var created = await (await _client.PostJsonAsync("/api/v1/facility/children",
            new { firstName = "Mia", lastName = "S", dateOfBirth = "2022-01-01", facilityId = other.Id, status = "left" }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("active", created.GetProperty("status").GetString());
        Assert.Equal(1, await factory.WithDbAsync(db => db.Children.CountAsync(c => c.FacilityId == facility.Id)));
        Assert.Equal(0, await factory.WithDbAsync(db => db.Children.CountAsync(c => c.FacilityId == other.Id)));

        // A PATCH stays strict: a misspelled member is an error, not a silent no-op.
        var id = created.GetProperty("id").GetGuid();
        await (await _client.PatchJsonAsync($"/api/v1/facility/children/{id}", new { stauts = "left" }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task ListChildren_FiltersByStatusSearchAndGroup_AndPages()
    {
        var facility = await _client.CreateFacilityAsync();
        var other = await _client.CreateFacilityAsync();
        await _client.CreateChildAsync(other, "Anna", "Zimmer", "Igel");
        var anna = await _client.CreateChildAsync(facility, "Anna", "Becker", "Igel");
        var ben = await _client.CreateChildAsync(facility, "Ben", "Becker", "Käfer");
        var cem = await _client.CreateChildAsync(facility, "Cem", "Yilmaz", "Igel");
        await _client.CreateChildAsync(facility, "Dana", "Abel", null);
        await _client.SetChildStatusAsync(facility, cem, "left");

        var all = await ListAsync(facility, "");
        Assert.Equal(4, all.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, all.GetProperty("nextCursor").ValueKind);
        Assert.Equal(["Abel", "Becker", "Becker", "Yilmaz"], Names(all, "lastName"));

        Assert.Equal([anna, ben], Ids(await ListAsync(facility, "?search=beck")));
        Assert.Equal([anna], Ids(await ListAsync(facility, "?search=anna%20becker")));
        // LIKE wildcards in the search are literal: "%_" would otherwise match every child.
        Assert.Equal(0, (await ListAsync(facility, "?search=%25_")).GetProperty("items").GetArrayLength());
        Assert.Equal(["Dana"], Names(await ListAsync(facility, "?search=abe"), "firstName"));
        Assert.Equal([cem], Ids(await ListAsync(facility, "?status=left")));
        Assert.Equal(3, (await ListAsync(facility, "?status=active")).GetProperty("items").GetArrayLength());
        Assert.Equal([anna], Ids(await ListAsync(facility, "?group=Igel&status=active")));

        var first = await ListAsync(facility, "?limit=2");
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await ListAsync(facility, $"?limit=2&cursor={cursor}");
        Assert.Equal([anna, ben], Ids(first).Skip(1).Concat(Ids(second).Take(1)).ToList());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task ListChildren_WithInvalidPaging_Returns400PerField()
    {
        var facility = await _client.CreateFacilityAsync();
        var problem = await (await _client.GetAsync("/api/v1/facility/children?limit=0&cursor=not-a-cursor", facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(problem, "limit", "cursor");
        await (await _client.GetAsync("/api/v1/facility/children?limit=201", facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await _client.GetAsync("/api/v1/facility/children?status=gone", facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task UpdateChild_ChangesOnlyGivenFields_ClearsGroupWithEmptyString_AndAudits()
    {
        var facility = await _client.CreateFacilityAsync();
        var id = await _client.CreateChildAsync(facility, "Mia", "Schneider", "Igel");

        var updated = await (await _client.PatchJsonAsync($"/api/v1/facility/children/{id}",
            new { lastName = "Schneider-Yilmaz", status = "left" }, facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Mia", updated.GetProperty("firstName").GetString());
        Assert.Equal("Schneider-Yilmaz", updated.GetProperty("lastName").GetString());
        Assert.Equal("Igel", updated.GetProperty("group").GetString());
        Assert.Equal("left", updated.GetProperty("status").GetString());

        var cleared = await (await _client.PatchJsonAsync($"/api/v1/facility/children/{id}",
            new { group = "", status = "active" }, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("group").ValueKind);
        Assert.Equal("active", cleared.GetProperty("status").GetString());

        var events = await (await _client.GetAsync($"/api/v1/facility/children/{id}/events", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var updates = events.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("action").GetString() == AuditActions.ChildUpdated).ToList();
        Assert.Equal(2, updates.Count);
        Assert.Equal("group,status", updates[0].GetProperty("data").GetProperty("changed").GetString());
        Assert.Equal("active", updates[0].GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("lastName,status", updates[1].GetProperty("data").GetProperty("changed").GetString());
        Assert.Equal("left", updates[1].GetProperty("data").GetProperty("status").GetString());
    }

    [Fact]
    public async Task UpdateChild_WithInvalidFields_Returns400AndChangesNothing()
    {
        var facility = await _client.CreateFacilityAsync();
        var id = await _client.CreateChildAsync(facility, "Mia", "Schneider", "Igel");

        var problem = await (await _client.PatchJsonAsync($"/api/v1/facility/children/{id}",
            new { firstName = " ", dateOfBirth = "1990-01-01" }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(problem, "firstName", "dateOfBirth");
        await (await _client.PatchJsonAsync($"/api/v1/facility/children/{id}", new { status = "graduated" }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        var profile = await (await _client.GetAsync($"/api/v1/facility/children/{id}", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Mia", profile.GetProperty("firstName").GetString());
        Assert.Equal("active", profile.GetProperty("status").GetString());
        Assert.Equal(0, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.ChildId == id && e.Action == AuditActions.ChildUpdated)));
    }

    [Fact]
    public async Task UnknownChild_Returns404()
    {
        var facility = await _client.CreateFacilityAsync();
        await (await _client.GetAsync($"/api/v1/facility/children/{Guid.NewGuid()}", facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.GetAsync("/api/v1/facility/children/not-a-guid", facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    private async Task<JsonElement> ListAsync(TestFacility facility, string query) =>
        await (await _client.GetAsync($"/api/v1/facility/children{query}", facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);

    private static List<Guid> Ids(JsonElement list) =>
        list.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();

    private static List<string> Names(JsonElement list, string field) =>
        list.GetProperty("items").EnumerateArray().Select(c => c.GetProperty(field).GetString()!).ToList();
}
