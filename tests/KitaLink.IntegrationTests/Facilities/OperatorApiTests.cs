using System.Net;
using KitaLink.Api.Audit;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;

namespace KitaLink.IntegrationTests.Facilities;

public sealed class OperatorApiTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task CreateFacility_Returns201AndListsItWithItsAdmins()
    {
        var token = await _client.OperatorTokenAsync();
        var name = $"Kita Regenbogen {Guid.NewGuid():N}";
        var created = await (await _client.PostJsonAsync("/api/v1/facilities", new { name = $"  {name} " }, token))
            .ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(name, created.GetProperty("name").GetString());

        var adminEmail = UniqueEmail("leitung");
        var admin = await (await _client.PostJsonAsync($"/api/v1/facilities/{id}/staff",
            new { email = adminEmail, displayName = "Lea Leitung", password = StaffApi.StaffPassword }, token))
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("admin", admin.GetProperty("role").GetString());
        Assert.Equal(id, admin.GetProperty("facilityId").GetGuid());
        Assert.False(admin.TryGetProperty("passwordHash", out _));

        var list = await (await _client.GetAsync("/api/v1/facilities", token)).ExpectAsync(HttpStatusCode.OK);
        var facility = list.GetProperty("items").EnumerateArray().Single(f => f.GetProperty("id").GetGuid() == id);
        Assert.Equal(adminEmail, facility.GetProperty("admins").EnumerateArray().Single().GetProperty("email").GetString());

        var single = await (await _client.GetAsync($"/api/v1/facilities/{id}", token)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(name, single.GetProperty("name").GetString());

        var audited = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.FacilityId == id).Select(e => e.Action).ToListAsync());
        Assert.Contains(AuditActions.FacilityCreated, audited);
        Assert.Contains(AuditActions.StaffCreated, audited);
    }

    [Fact]
    public async Task StaffCreatedByOperator_CanSignInWithTheirRole()
    {
        var facility = await _client.CreateFacilityAsync();
        var staff = await (await _client.GetAsync("/api/v1/facility/staff", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var roles = staff.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("role").GetString()).Order().ToList();
        Assert.Equal(["admin", "educator"], roles);
    }

    [Fact]
    public async Task CreateStaff_ForUnknownFacility_Returns404()
    {
        var token = await _client.OperatorTokenAsync();
        var response = await _client.PostJsonAsync($"/api/v1/facilities/{Guid.NewGuid()}/staff",
            new { email = UniqueEmail(), displayName = "Nobody", password = StaffApi.StaffPassword }, token);
        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.GetAsync($"/api/v1/facilities/{Guid.NewGuid()}", token)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task CreateStaff_WithAnEmailInUse_Returns409ConflictWhateverTheCase()
    {
        var token = await _client.OperatorTokenAsync();
        var a = await CreateFacilityAsOperatorAsync(token);
        var b = await CreateFacilityAsOperatorAsync(token);
        var email = UniqueEmail("doppelt");
        await (await _client.PostJsonAsync($"/api/v1/facilities/{a}/staff",
            new { email, displayName = "First", password = StaffApi.StaffPassword }, token)).ExpectAsync(HttpStatusCode.Created);

        await (await _client.PostJsonAsync($"/api/v1/facilities/{b}/staff",
            new { email = email.ToUpperInvariant(), displayName = "Second", password = StaffApi.StaffPassword }, token))
            .ExpectProblemAsync(HttpStatusCode.Conflict, "conflict");
        await (await _client.PostJsonAsync($"/api/v1/facilities/{b}/staff",
            new { email = KitaLinkFactory.OperatorEmail, displayName = "Operator twin", password = StaffApi.StaffPassword }, token))
            .ExpectProblemAsync(HttpStatusCode.Conflict, "conflict");
        Assert.Equal(0, await factory.WithDbAsync(db => db.StaffMembers.CountAsync(s => s.FacilityId == b)));
    }

    [Fact]
    public async Task CreateStaff_WithInvalidFields_Returns400PerFieldAndCreatesNothing()
    {
        var token = await _client.OperatorTokenAsync();
        var facilityId = await CreateFacilityAsOperatorAsync(token);

        var problem = await (await _client.PostJsonAsync($"/api/v1/facilities/{facilityId}/staff",
            new { email = "not-an-address", displayName = " ", password = "short", role = "educator" }, token))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(problem, "email", "displayName", "password");

        var common = await (await _client.PostJsonAsync($"/api/v1/facilities/{facilityId}/staff",
            new { email = UniqueEmail(), displayName = "Common", password = "password1234" }, token))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(common, "password");

        // Operators are never created through the API.
        await (await _client.PostJsonAsync($"/api/v1/facilities/{facilityId}/staff",
            new { email = UniqueEmail(), displayName = "Op", password = StaffApi.StaffPassword, role = "operator" }, token))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.Equal(0, await factory.WithDbAsync(db => db.StaffMembers.CountAsync(s => s.FacilityId == facilityId)));
    }

    [Fact]
    public async Task CreateFacility_WithoutName_Returns400AndCreatesNothing()
    {
        var token = await _client.OperatorTokenAsync();
        var before = await factory.WithDbAsync(db => db.Facilities.CountAsync());
        var problem = await (await _client.PostJsonAsync("/api/v1/facilities", new { name = "   " }, token))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(problem, "name");
        var tooLong = await (await _client.PostJsonAsync("/api/v1/facilities", new { name = new string('K', 201) }, token))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(tooLong, "name");
        Assert.Equal(before, await factory.WithDbAsync(db => db.Facilities.CountAsync()));
    }

    [Fact]
    public async Task FacilityStaff_GetForbiddenOnOperatorEndpoints()
    {
        var facility = await _client.CreateFacilityAsync();
        foreach (var token in new[] { facility.AdminToken, facility.EducatorToken })
        {
            await (await _client.GetAsync("/api/v1/facilities", token)).ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await _client.PostJsonAsync("/api/v1/facilities", new { name = "Sneaky" }, token))
                .ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await _client.PostJsonAsync($"/api/v1/facilities/{facility.Id}/staff",
                new { email = UniqueEmail(), displayName = "Sneaky", password = StaffApi.StaffPassword }, token))
                .ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Fact]
    public async Task Operator_GetsForbiddenOnEveryFacilityEndpoint_SoSeesNoChildData()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var token = await _client.OperatorTokenAsync();
        var child = $"/api/v1/facility/children/{guardian.ChildId}";
        var pins = $"{child}/guardians/{guardian.GuardianId}/pins";

        var calls = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, "/api/v1/facility/staff", null),
            (HttpMethod.Post, "/api/v1/facility/staff", new { email = UniqueEmail(), displayName = "X", password = StaffApi.StaffPassword }),
            (HttpMethod.Get, "/api/v1/facility/children", null),
            (HttpMethod.Post, "/api/v1/facility/children", new { firstName = "A", lastName = "B", dateOfBirth = "2022-01-01" }),
            (HttpMethod.Get, child, null),
            (HttpMethod.Patch, child, new { status = "left" }),
            (HttpMethod.Get, $"{child}/events", null),
            (HttpMethod.Post, $"{child}/guardians", new { name = "X", relationship = "Vater", email = UniqueEmail() }),
            (HttpMethod.Get, $"{child}/guardians/{guardian.GuardianId}", null),
            (HttpMethod.Patch, $"{child}/guardians/{guardian.GuardianId}", new { name = "X" }),
            (HttpMethod.Post, pins, null),
            (HttpMethod.Get, $"{pins}/letter", null),
            (HttpMethod.Post, $"{pins}/pin2", null),
            (HttpMethod.Delete, pins, null),
        };
        foreach (var (method, path, body) in calls)
        {
            var response = await _client.SendJsonAsync(method, path, body, token);
            await response.ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
    }

    private async Task<Guid> CreateFacilityAsOperatorAsync(string token)
    {
        var created = await (await _client.PostJsonAsync("/api/v1/facilities", new { name = $"Kita {Guid.NewGuid():N}" }, token))
            .ExpectAsync(HttpStatusCode.Created);
        return created.GetProperty("id").GetGuid();
    }
}
