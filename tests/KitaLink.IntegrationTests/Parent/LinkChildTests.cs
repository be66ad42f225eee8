using System.Net;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.IntegrationTests.Parent;

/// <summary>
/// <c>/api/v1/me/children</c>: the linking cases for an existing account (sibling, second facility, a child
/// that changed facility with and without <c>replacesChildId</c>) and what a parent may read.
/// </summary>
public sealed class LinkChildTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<(ParentSession Parent, TestPins First, TestFacility Facility)> RegisteredParentAsync(string? email = null)
    {
        email ??= ParentApi.UniqueEmail();
        var facility = await factory.SharedFacilityAsync();
        var pins = await factory.IssuePinsAsync(email, facility);
        return (await _client.RegisterAsync(email, pins), pins, facility);
    }

    [Fact]
    public async Task LinkChild_SiblingInTheSameFacility_AddsASecondActiveLink()
    {
        var (parent, first, facility) = await RegisteredParentAsync();
        var sibling = await factory.IssuePinsAsync(parent.Email, facility);

        var response = await _client.LinkChildAsync(parent, sibling);

        var body = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/me/children/{sibling.ChildId}", response.Headers.Location?.OriginalString);
        Assert.Equal(sibling.ChildId, body.GetProperty("id").GetGuid());
        Assert.Equal(facility.Id, body.GetProperty("facility").GetProperty("id").GetGuid());
        var children = await _client.MyChildrenAsync(parent.AccessToken);
        Assert.Equal([first.ChildId, sibling.ChildId], children.Select(c => c.GetProperty("id").GetGuid()).Order());
        var me = await (await _client.GetAsync("/api/v1/me", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, me.GetProperty("childrenCount").GetInt32());
    }

    [Fact]
    public async Task LinkChild_AtASecondFacility_WithoutReplacing_KeepsBothLinksActive()
    {
        var (parent, first, _) = await RegisteredParentAsync();
        var otherFacility = await _client.CreateFacilityAsync();
        var second = await factory.IssuePinsAsync(parent.Email, otherFacility);

        var body = await (await _client.LinkChildAsync(parent, second)).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(otherFacility.Id, body.GetProperty("facility").GetProperty("id").GetGuid());
        var children = await _client.MyChildrenAsync(parent.AccessToken);
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Equal("active", c.GetProperty("linkStatus").GetString()));
        Assert.Contains(children, c => c.GetProperty("id").GetGuid() == first.ChildId);
    }

    [Fact]
    public async Task LinkChild_ThatChangedFacilityAndLeftTheOldOne_LinksTheNewRecordAndArchivesTheOldLink()
    {
        var (parent, old, oldFacility) = await RegisteredParentAsync();
        await _client.SetChildStatusAsync(oldFacility, old.ChildId, "left");
        var newFacility = await _client.CreateFacilityAsync();
        var moved = await factory.IssuePinsAsync(parent.Email, newFacility);

        var body = await (await _client.LinkChildAsync(parent, moved, replacesChildId: old.ChildId)).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(moved.ChildId, body.GetProperty("id").GetGuid());
        var active = await _client.MyChildrenAsync(parent.AccessToken);
        Assert.Equal(moved.ChildId, Assert.Single(active).GetProperty("id").GetGuid());
        var all = await _client.MyChildrenAsync(parent.AccessToken, includeArchived: true);
        Assert.Equal(2, all.Count);
        var archived = all.Single(c => c.GetProperty("id").GetGuid() == old.ChildId);
        Assert.Equal("archived", archived.GetProperty("linkStatus").GetString());
        Assert.Equal("left", archived.GetProperty("status").GetString());
        Assert.Equal(moved.ChildId, archived.GetProperty("replacedByChildId").GetGuid());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, archived.GetProperty("archivedAt").ValueKind);

        // The old link stays readable as history.
        var history = await (await _client.GetAsync($"/api/v1/me/children/{old.ChildId}", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("archived", history.GetProperty("linkStatus").GetString());
        Assert.Equal(oldFacility.Id, history.GetProperty("facility").GetProperty("id").GetGuid());
        var me = await (await _client.GetAsync("/api/v1/me", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, me.GetProperty("childrenCount").GetInt32());
        Assert.True(await factory.QueryDbAsync(db => db.AuditEvents.AnyAsync(e =>
            e.Action == AuditActions.ChildLinkArchived && e.ChildId == old.ChildId && e.FacilityId == oldFacility.Id)));

        // The list (a hand-written statement) and the single child (EF Core's projection) answer alike, field by field.
        foreach (var listed in all)
        {
            var single = await (await _client.GetAsync($"/api/v1/me/children/{listed.GetProperty("id").GetGuid()}", parent.AccessToken))
                .ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(single.GetRawText(), listed.GetRawText());
        }
    }

    [Fact]
    public async Task LinkChild_ReplacingAChildStillActiveInTheOldFacility_ReturnsPreviousChildStillActive_ThenPlainLinkWorks()
    {
        var (parent, old, _) = await RegisteredParentAsync();
        var moved = await factory.IssuePinsAsync(parent.Email, await _client.CreateFacilityAsync());

        await (await _client.LinkChildAsync(parent, moved, replacesChildId: old.ChildId))
            .ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.PreviousChildStillActive);

        // Nothing was used up or archived: the same PINs link as a plain second link.
        await (await _client.LinkChildAsync(parent, moved)).ExpectAsync(HttpStatusCode.Created);
        var children = await _client.MyChildrenAsync(parent.AccessToken);
        Assert.Equal(2, children.Count);
    }

    [Fact]
    public async Task LinkChild_ReplacingAChildNotLinkedToTheAccount_ReturnsNotFound()
    {
        var (parent, _, _) = await RegisteredParentAsync();
        var (stranger, strangersChild, strangersFacility) = await RegisteredParentAsync();
        await _client.SetChildStatusAsync(strangersFacility, strangersChild.ChildId, "left");
        var moved = await factory.IssuePinsAsync(parent.Email, await _client.CreateFacilityAsync());

        await (await _client.LinkChildAsync(parent, moved, replacesChildId: strangersChild.ChildId))
            .ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await (await _client.LinkChildAsync(parent, moved, replacesChildId: Guid.NewGuid()))
            .ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
        // The stranger's link is untouched.
        Assert.Equal("active", Assert.Single(await _client.MyChildrenAsync(stranger.AccessToken)).GetProperty("linkStatus").GetString());
    }

    [Fact]
    public async Task LinkChild_ReplacingAnAlreadyArchivedLink_ReturnsNotFound()
    {
        var (parent, old, oldFacility) = await RegisteredParentAsync();
        await _client.SetChildStatusAsync(oldFacility, old.ChildId, "left");
        var moved = await factory.IssuePinsAsync(parent.Email, await _client.CreateFacilityAsync());
        await (await _client.LinkChildAsync(parent, moved, replacesChildId: old.ChildId)).ExpectAsync(HttpStatusCode.Created);
        var movedAgain = await factory.IssuePinsAsync(parent.Email, await _client.CreateFacilityAsync());

        await (await _client.LinkChildAsync(parent, movedAgain, replacesChildId: old.ChildId))
            .ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task LinkChild_AlreadyLinked_ReturnsChildAlreadyLinked_AndKeepsThePairPending()
    {
        var (parent, first, facility) = await RegisteredParentAsync();
        // Staff issue new PINs to the same guardian, e.g. because the parent asked again.
        var again = await factory.CreatePinsAsync(_client, facility, new TestGuardian(facility.Id, first.ChildId, first.GuardianId, parent.Email));

        await (await _client.LinkChildAsync(parent, again))
            .ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.ChildAlreadyLinked);
        Assert.Equal(PinPairState.Pending, (await factory.PinPairOfAsync(again)).State);
    }

    [Theory]
    [InlineData("gmail.com", "googlemail.com")]
    [InlineData("example.org", "example.com")]
    public async Task LinkChild_WhoseGuardianEmailDiffersFromTheAccount_ReturnsEmailMismatchWithHint(string accountDomain, string guardianDomain)
    {
        var local = "eltern" + Guid.NewGuid().ToString("N")[..8];
        var (parent, _, facility) = await RegisteredParentAsync($"{local}@{accountDomain}");
        var pins = await factory.IssuePinsAsync($"{local}@{guardianDomain}", facility);

        var problem = await (await _client.LinkChildAsync(parent, pins))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.EmailMismatch);

        Assert.Equal($"el***@{guardianDomain}", problem.GetProperty("emailHint").GetString());
        Assert.Equal(1, (await factory.PinPairOfAsync(pins)).FailedAttempts);
    }

    [Fact]
    public async Task LinkChild_WithUnknownPin1OrWrongPin2_ReturnsPinsInvalid()
    {
        var (parent, _, facility) = await RegisteredParentAsync();
        var pins = await factory.IssuePinsAsync(parent.Email, facility);
        var wrong = pins.Pin2[0] == 'A' ? "B" + pins.Pin2[1..] : "A" + pins.Pin2[1..];

        await (await _client.LinkChildAsync(parent.AccessToken, pins.Pin1, wrong))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        await (await _client.LinkChildAsync(parent.AccessToken, wrong, pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
    }

    [Fact]
    public async Task LinkChild_WithPinsUsedByAnotherAccount_ReturnsPinsAlreadyUsed()
    {
        var (parent, first, _) = await RegisteredParentAsync();

        await (await _client.LinkChildAsync(parent.AccessToken, first.Pin1, first.Pin2))
            .ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.PinsAlreadyUsed);
    }

    [Fact]
    public async Task GetChild_OfAnotherFamily_ReturnsNotFound()
    {
        var (parent, own, _) = await RegisteredParentAsync();
        var (_, foreign, _) = await RegisteredParentAsync();

        await (await _client.GetAsync($"/api/v1/me/children/{own.ChildId}", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        await (await _client.GetAsync($"/api/v1/me/children/{foreign.ChildId}", parent.AccessToken))
            .ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await (await _client.GetAsync($"/api/v1/me/children/{Guid.NewGuid()}", parent.AccessToken))
            .ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
        Assert.DoesNotContain(await _client.MyChildrenAsync(parent.AccessToken, includeArchived: true),
            c => c.GetProperty("id").GetGuid() == foreign.ChildId);
    }

    [Fact]
    public async Task ListChildren_ReturnsTheChildProfileWithFacility()
    {
        var (parent, first, facility) = await RegisteredParentAsync();

        var child = Assert.Single(await _client.MyChildrenAsync(parent.AccessToken));

        Assert.Equal(first.ChildId, child.GetProperty("id").GetGuid());
        Assert.False(string.IsNullOrEmpty(child.GetProperty("firstName").GetString()));
        Assert.False(string.IsNullOrEmpty(child.GetProperty("lastName").GetString()));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", child.GetProperty("dateOfBirth").GetString());
        Assert.True(child.TryGetProperty("group", out _));
        Assert.Equal("active", child.GetProperty("status").GetString());
        Assert.Equal(facility.Id, child.GetProperty("facility").GetProperty("id").GetGuid());
        Assert.Equal(facility.Name, child.GetProperty("facility").GetProperty("name").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, child.GetProperty("archivedAt").ValueKind);
        Assert.True(child.GetProperty("linkedAt").GetDateTimeOffset() <= factory.Time.GetUtcNow());
    }
}
