using System.Net;
using KitaLink.IntegrationTests.Infrastructure;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;

namespace KitaLink.IntegrationTests.Staff;

public sealed class FacilityStaffApiTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Admin_CreatesEducator_WhoCanSignInAndSeesOnlyTheirFacility()
    {
        var facility = await _client.CreateFacilityAsync();
        var other = await _client.CreateFacilityAsync();
        var email = UniqueEmail("erzieher");

        var created = await (await _client.PostJsonAsync("/api/v1/facility/staff",
            new { email, displayName = "Emil Erzieher", password = StaffApi.StaffPassword, role = "educator" }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("educator", created.GetProperty("role").GetString());
        Assert.Equal(facility.Id, created.GetProperty("facilityId").GetGuid());

        var token = await _client.StaffTokenAsync(email, StaffApi.StaffPassword);
        await (await _client.GetAsync("/api/v1/facility/children", token)).ExpectAsync(HttpStatusCode.OK);

        var list = await (await _client.GetAsync("/api/v1/facility/staff", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var facilityIds = list.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("facilityId").GetGuid()).Distinct().ToList();
        Assert.Equal([facility.Id], facilityIds);
        Assert.Equal(3, list.GetProperty("items").GetArrayLength());

        var otherList = await (await _client.GetAsync("/api/v1/facility/staff", other.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(otherList.GetProperty("items").EnumerateArray(), s => s.GetProperty("email").GetString() == email);
    }

    [Fact]
    public async Task Admin_CreatesAdminByDefault()
    {
        var facility = await _client.CreateFacilityAsync();
        var created = await (await _client.PostJsonAsync("/api/v1/facility/staff",
            new { email = UniqueEmail("admin2"), displayName = "Zweite Leitung", password = StaffApi.StaffPassword }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("admin", created.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Educator_IsForbiddenToManageStaff()
    {
        var facility = await _client.CreateFacilityAsync();
        await (await _client.GetAsync("/api/v1/facility/staff", facility.EducatorToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await _client.PostJsonAsync("/api/v1/facility/staff",
            new { email = UniqueEmail(), displayName = "X", password = StaffApi.StaffPassword }, facility.EducatorToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task CreateStaff_DuplicateEmail_Returns409()
    {
        var facility = await _client.CreateFacilityAsync();
        var email = UniqueEmail("doppelt");
        await (await _client.PostJsonAsync("/api/v1/facility/staff",
            new { email, displayName = "Eins", password = StaffApi.StaffPassword }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        await (await _client.PostJsonAsync("/api/v1/facility/staff",
            new { email = $" {email.ToUpperInvariant()} ", displayName = "Zwei", password = StaffApi.StaffPassword }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task CreateStaff_WithInvalidFields_Returns400PerField()
    {
        var facility = await _client.CreateFacilityAsync();
        var problem = await (await _client.PostJsonAsync("/api/v1/facility/staff",
            new { email = "a@b", displayName = "", password = new string('x', 129) }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(problem, "email", "displayName", "password");
    }

    [Fact]
    public async Task Anonymous_GetsUnauthenticated()
    {
        await (await _client.GetAsync("/api/v1/facility/staff", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await _client.GetAsync("/api/v1/facilities", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await _client.GetAsync("/api/v1/facility/children", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }
}
