using System.Net;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Parent;

/// <summary>Parent tokens open only parent endpoints, staff and operator tokens only theirs (403 forbidden otherwise).</summary>
public sealed class RoleSeparationTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    public static TheoryData<string, string> ParentEndpoints => new()
    {
        { "GET", "/api/v1/me" },
        { "DELETE", "/api/v1/me" },
        { "POST", "/api/v1/me/password" },
        { "GET", "/api/v1/me/children" },
        { "GET", $"/api/v1/me/children/{Guid.NewGuid()}" },
        { "POST", "/api/v1/me/children" },
        { "POST", "/api/v1/auth/logout" },
    };

    public static TheoryData<string, string> StaffAndOperatorEndpoints => new()
    {
        { "GET", "/api/v1/facility/children" },
        { "POST", "/api/v1/facility/children" },
        { "GET", $"/api/v1/facility/children/{Guid.NewGuid()}" },
        { "GET", "/api/v1/facility/staff" },
        { "GET", "/api/v1/facilities" },
        { "POST", "/api/v1/facilities" },
    };

    private static object? BodyFor(string method, string path) => method switch
    {
        "DELETE" => new { password = ParentApi.Password },
        "POST" when path.EndsWith("/password", StringComparison.Ordinal) => new { currentPassword = ParentApi.Password, newPassword = "Regenbogen-Leuchtturm-77" },
        "POST" when path.EndsWith("/me/children", StringComparison.Ordinal) => new { pin1 = "ABCD-EFGH", pin2 = "ABCD-EFGH" },
        "POST" => new { },
        _ => null,
    };

    [Theory]
    [MemberData(nameof(ParentEndpoints))]
    public async Task ParentEndpoints_WithAnOperatorToken_ReturnForbidden(string method, string path)
    {
        var token = await _client.OperatorTokenAsync();

        await (await _client.SendJsonAsync(new HttpMethod(method), path, BodyFor(method, path), token))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(ParentEndpoints))]
    public async Task ParentEndpoints_WithAFacilityAdminToken_ReturnForbidden(string method, string path)
    {
        var facility = await factory.SharedFacilityAsync();

        await (await _client.SendJsonAsync(new HttpMethod(method), path, BodyFor(method, path), facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
    }

    [Theory]
    [MemberData(nameof(StaffAndOperatorEndpoints))]
    public async Task StaffAndOperatorEndpoints_WithAParentToken_ReturnForbidden(string method, string path)
    {
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));

        await (await _client.SendJsonAsync(new HttpMethod(method), path, BodyFor(method, path), parent.AccessToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
    }
}
