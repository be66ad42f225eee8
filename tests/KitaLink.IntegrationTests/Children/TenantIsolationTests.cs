using System.Net;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Children;

/// <summary>Staff of facility B never reach facility A's children, guardians or PINs: every id of A is 404 for B, and nothing of A changes.</summary>
public sealed class TenantIsolationTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    public static TheoryData<string, string, string> Endpoints => new()
    {
        { "GET", "{child}", "" },
        { "PATCH", "{child}", """{"status":"left","firstName":"Hacked"}""" },
        { "GET", "{child}/events", "" },
        { "POST", "{child}/guardians", """{"name":"Mallory","relationship":"Vater","email":"mallory@example.com"}""" },
        { "GET", "{guardian}", "" },
        { "PATCH", "{guardian}", """{"email":"mallory@example.com"}""" },
        { "POST", "{guardian}/pins", "" },
        { "GET", "{guardian}/pins/letter", "" },
        { "POST", "{guardian}/pins/pin2", "" },
        { "DELETE", "{guardian}/pins", "" },
        { "GET", "{guardian}/export", "" },
        { "POST", "{staff}/deactivate", "" },
        { "POST", "{staff}/reactivate", "" },
        { "POST", "{staff}/sessions/end", "" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task StaffOfAnotherFacility_Get404ForEveryEndpoint_AndChangeNothing(string method, string template, string body)
    {
        var a = await _client.CreateFacilityAsync();
        var b = await _client.CreateFacilityAsync();
        if (template.StartsWith("{staff}", StringComparison.Ordinal))
        {
            await AssertStaffRouteIsolatedAsync(method, template, a, b);
            return;
        }
        var victim = await _client.CreateChildWithGuardianAsync(a, UniqueEmail("opfer"));
        var created = await (await _client.PostJsonAsync(PinsPath(victim), null, a.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var own = await _client.CreateChildWithGuardianAsync(b, UniqueEmail("eigen"));

        var childPath = $"/api/v1/facility/children/{victim.ChildId}";
        // A's ids alone, and A's guardian under B's own child: both must miss.
        var paths = new[]
        {
            Expand(template, childPath, GuardianPath(victim)),
            Expand(template, $"/api/v1/facility/children/{own.ChildId}", $"/api/v1/facility/children/{own.ChildId}/guardians/{victim.GuardianId}"),
        }.Distinct();
        foreach (var path in template.StartsWith("{child}", StringComparison.Ordinal) ? paths.Take(1) : paths)
        {
            foreach (var token in new[] { b.AdminToken, b.EducatorToken })
            {
                var request = new HttpRequestMessage(new HttpMethod(method), path);
                request.Headers.Authorization = new("Bearer", token);
                if (body.Length > 0)
                {
                    request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                }
                await (await _client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
            }
        }

        var profile = await (await _client.GetAsync(childPath, a.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Mia", profile.GetProperty("firstName").GetString());
        Assert.Equal("active", profile.GetProperty("status").GetString());
        var guardian = profile.GetProperty("guardians").EnumerateArray().Single();
        Assert.Equal(victim.Email, guardian.GetProperty("email").GetString());
        Assert.Equal("pending", guardian.GetProperty("pin").GetProperty("status").GetString());
        Assert.Equal(created.GetProperty("pin1").GetString(), guardian.GetProperty("pin").GetProperty("pin1").GetString());
        Assert.Equal(1, await factory.WithDbAsync(db => db.PinPairs.CountAsync(p => p.GuardianId == victim.GuardianId)));
        Assert.Equal(1, await factory.WithDbAsync(db => db.Guardians.CountAsync(g => g.ChildId == victim.ChildId)));
        Assert.Equal(0, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.ChildId == victim.ChildId && e.FacilityId == b.Id)));
        Assert.Equal(PinPairState.Pending, (await factory.WithDbAsync(db => db.PinPairs.SingleAsync(p => p.GuardianId == victim.GuardianId))).State);
    }

    [Fact]
    public async Task ChildList_ShowsOnlyTheCallersFacility()
    {
        var a = await _client.CreateFacilityAsync();
        var b = await _client.CreateFacilityAsync();
        var victim = await _client.CreateChildWithGuardianAsync(a, UniqueEmail());
        var list = await (await _client.GetAsync("/api/v1/facility/children?search=Schneider", b.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
        var own = await (await _client.GetAsync("/api/v1/facility/children", a.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(victim.ChildId, own.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid());
    }

    /// <summary>
    /// The team routes are for admins: B's admin gets 404 for A's staff member (and B's educator 403, the route is not
    /// theirs at all), and A's educator stays active with a working token.
    /// </summary>
    private async Task AssertStaffRouteIsolatedAsync(string method, string template, TestFacility a, TestFacility b)
    {
        var team = await (await _client.GetAsync("/api/v1/facility/staff", a.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var educator = team.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("role").GetString() == "educator");
        var path = template.Replace("{staff}", $"/api/v1/facility/staff/{educator.GetProperty("id").GetGuid()}", StringComparison.Ordinal);
        await (await _client.SendJsonAsync(new HttpMethod(method), path, null, b.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.SendJsonAsync(new HttpMethod(method), path, null, b.EducatorToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await _client.GetAsync("/api/v1/facility/children", a.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        var after = await (await _client.GetAsync("/api/v1/facility/staff", a.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.All(after.GetProperty("items").EnumerateArray(), s => Assert.True(s.GetProperty("active").GetBoolean()));
        Assert.Equal(0, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.FacilityId == a.Id && e.Action.StartsWith("staff.") && e.Action != "staff.created")));
    }

    private static string Expand(string template, string child, string guardian) =>
        template.Replace("{child}", child, StringComparison.Ordinal).Replace("{guardian}", guardian, StringComparison.Ordinal);
}
