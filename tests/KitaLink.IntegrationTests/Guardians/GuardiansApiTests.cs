using System.Net;
using KitaLink.Api.Audit;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;

namespace KitaLink.IntegrationTests.Guardians;

public sealed class GuardiansApiTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task CreateGuardian_StoresEmailAsEnteredTrimmed_AndShowsNoPins()
    {
        var facility = await _client.CreateFacilityAsync();
        var childId = await CreateChildAsync(facility);

        var response = await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = " Julia Schneider ", relationship = "Mutter", email = "  Julia.Schneider+Kita@GoogleMail.com\t" }, facility.EducatorToken);
        var guardian = await response.ExpectAsync(HttpStatusCode.Created);
        var id = guardian.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/facility/children/{childId}/guardians/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Julia.Schneider+Kita@GoogleMail.com", guardian.GetProperty("email").GetString());
        Assert.Equal("Julia Schneider", guardian.GetProperty("name").GetString());
        Assert.Equal("none", guardian.GetProperty("pin").GetProperty("status").GetString());

        var profile = await (await _client.GetAsync($"/api/v1/facility/children/{childId}", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var listed = profile.GetProperty("guardians").EnumerateArray().Single();
        Assert.Equal("Julia.Schneider+Kita@GoogleMail.com", listed.GetProperty("email").GetString());
        Assert.Equal("none", listed.GetProperty("pin").GetProperty("status").GetString());
        Assert.Equal(0, listed.GetProperty("links").GetArrayLength());

        var single = await (await _client.GetAsync($"/api/v1/facility/children/{childId}/guardians/{id}", facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Mutter", single.GetProperty("relationship").GetString());

        var audited = await factory.WithDbAsync(db => db.AuditEvents.SingleAsync(e => e.GuardianId == id && e.Action == AuditActions.GuardianCreated));
        Assert.Equal(childId, audited.ChildId);
        Assert.Equal(facility.Id, audited.FacilityId);
    }

    [Theory]
    [InlineData("eltern")]
    [InlineData("eltern@")]
    [InlineData("@gmail.com")]
    [InlineData("eltern@gmail")]
    [InlineData("el tern@gmail.com")]
    [InlineData("eltern@@gmail.com")]
    [InlineData("Eltern <eltern@gmail.com>")]
    [InlineData("eltern@gmail..com")]
    public async Task CreateGuardian_WithImplausibleEmail_Returns400AndCreatesNothing(string email)
    {
        var facility = await _client.CreateFacilityAsync();
        var childId = await CreateChildAsync(facility);
        var problem = await (await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = "Julia", relationship = "Mutter", email }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(problem, "email");
        Assert.Equal(0, await factory.WithDbAsync(db => db.Guardians.CountAsync(g => g.ChildId == childId)));
    }

    [Fact]
    public async Task CreateGuardian_WithMissingFieldsOrTooLongEmail_Returns400PerField()
    {
        var facility = await _client.CreateFacilityAsync();
        var childId = await CreateChildAsync(facility);
        var longEmail = new string('a', 64) + "@" + new string('b', 186) + ".com"; // 255 characters
        var problem = await (await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = "", relationship = " ", email = longEmail }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(problem, "name", "relationship", "email");

        var maxEmail = new string('a', 64) + "@" + new string('b', 185) + ".com"; // 254 characters
        await (await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = "Max", relationship = "Vater", email = maxEmail }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task UpdateGuardian_NameOnly_KeepsEmailAndAuditsWithoutEmailChange()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var path = $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}";

        var updated = await (await _client.PatchJsonAsync(path, new { name = "Julia Yilmaz", relationship = "Mama" }, facility.EducatorToken))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Julia Yilmaz", updated.GetProperty("name").GetString());
        Assert.Equal("Mama", updated.GetProperty("relationship").GetString());
        Assert.Equal(guardian.Email, updated.GetProperty("email").GetString());

        var actions = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.GuardianId == guardian.GuardianId).Select(e => e.Action).ToListAsync());
        Assert.Contains(AuditActions.GuardianUpdated, actions);
        Assert.DoesNotContain(AuditActions.GuardianEmailChanged, actions);
    }

    [Fact]
    public async Task UpdateGuardian_EmailChange_AuditsOldAndNewAddress()
    {
        var facility = await _client.CreateFacilityAsync();
        var oldEmail = UniqueEmail("alt");
        var guardian = await _client.CreateChildWithGuardianAsync(facility, oldEmail);
        var newEmail = UniqueEmail("neu");

        var updated = await (await _client.PatchJsonAsync($"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}",
            new { email = $" {newEmail} " }, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(newEmail, updated.GetProperty("email").GetString());

        var events = await (await _client.GetAsync($"/api/v1/facility/children/{guardian.ChildId}/events", facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        var changed = events.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("action").GetString() == AuditActions.GuardianEmailChanged);
        Assert.Equal(oldEmail, changed.GetProperty("data").GetProperty("oldEmail").GetString());
        Assert.Equal(newEmail, changed.GetProperty("data").GetProperty("newEmail").GetString());
        Assert.Equal(guardian.GuardianId, changed.GetProperty("guardianId").GetGuid());
        Assert.Equal("Anna Admin", changed.GetProperty("actor").GetProperty("name").GetString());
    }

    [Fact]
    public async Task UpdateGuardian_WithInvalidEmail_Returns400AndChangesNothing()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var path = $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}";
        var problem = await (await _client.PatchJsonAsync(path, new { email = "julia@", name = "" }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(problem, "email", "name");
        var view = await (await _client.GetAsync(path, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(guardian.Email, view.GetProperty("email").GetString());
        Assert.Equal("Julia Schneider", view.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Guardian_OfAnotherChildOfTheSameFacility_Returns404()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var otherChild = await CreateChildAsync(facility);
        await (await _client.GetAsync($"/api/v1/facility/children/{otherChild}/guardians/{guardian.GuardianId}", facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.PatchJsonAsync($"/api/v1/facility/children/{otherChild}/guardians/{guardian.GuardianId}",
            new { name = "X" }, facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.PostJsonAsync($"/api/v1/facility/children/{Guid.NewGuid()}/guardians",
            new { name = "X", relationship = "Vater", email = UniqueEmail() }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    private async Task<Guid> CreateChildAsync(TestFacility facility)
    {
        var child = await (await _client.PostJsonAsync("/api/v1/facility/children",
            new { firstName = "Leon", lastName = "Becker", dateOfBirth = "2023-07-02" }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        return child.GetProperty("id").GetGuid();
    }
}
