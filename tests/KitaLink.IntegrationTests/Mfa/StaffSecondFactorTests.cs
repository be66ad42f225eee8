using System.Net;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;
using static KitaLink.IntegrationTests.Mfa.MfaTestSupport;

namespace KitaLink.IntegrationTests.Mfa;

/// <summary>Operators must sign in with a second factor (the production default).</summary>
public sealed class OperatorMfaFactory : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Mfa:RequiredForOperators"] = "true" };
}

/// <summary>
/// Staff and operators: the same two-step sign-in as parents, the facility admin's requirement for the facility's
/// staff (no full token without the factor, an enrolment-only token instead), and the operators' requirement.
/// </summary>
public sealed class StaffSecondFactorTests(MfaFactory factory) : IClassFixture<MfaFactory>
{
    private const string TokenPath = "/api/v1/staff/auth/token";
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<string> NewEducatorAsync(TestFacility facility)
    {
        var email = $"erzieher-{Guid.NewGuid():N}@test.kitalink.example";
        await (await _client.PostJsonAsync("/api/v1/facility/staff",
            new { email, displayName = "Emil Erzieher", password = StaffApi.StaffPassword, role = "educator" }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        return email;
    }

    [Fact]
    public async Task Educator_EnrolsAndSignsInWithTheCode()
    {
        var facility = await factory.SharedFacilityAsync();
        var email = await NewEducatorAsync(facility);
        var setup = await factory.EnrolTotpAsync(_client, StaffMfa, await _client.StaffTokenAsync(email, StaffApi.StaffPassword));

        var challenge = await _client.ChallengeAsync(TokenPath, email, StaffApi.StaffPassword);
        var code = factory.CurrentCode(setup.Secret);
        var signedIn = await (await _client.CompleteAsync(StaffComplete, challenge, code)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("educator", signedIn.GetProperty("staff").GetProperty("role").GetString());
        var token = signedIn.GetProperty("accessToken").GetString();
        await (await _client.GetAsync("/api/v1/facility/children", token)).ExpectAsync(HttpStatusCode.OK);

        // Replay of the used code: refused; a recovery code: once.
        challenge = await _client.ChallengeAsync(TokenPath, email, StaffApi.StaffPassword);
        await (await _client.CompleteAsync(StaffComplete, challenge, code)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        await (await _client.CompleteAsync(StaffComplete, challenge, recoveryCode: setup.RecoveryCodes[0])).ExpectAsync(HttpStatusCode.OK);
        challenge = await _client.ChallengeAsync(TokenPath, email, StaffApi.StaffPassword);
        await (await _client.CompleteAsync(StaffComplete, challenge, recoveryCode: setup.RecoveryCodes[0]))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);

        // Turning it off: password and code.
        factory.NextStep();
        await (await _client.DeleteAsync(StaffMfa + "/totp", token, new { password = StaffApi.StaffPassword, code = factory.CurrentCode(setup.Secret) }))
            .ExpectAsync(HttpStatusCode.NoContent);
        await _client.StaffTokenAsync(email, StaffApi.StaffPassword);
    }

    [Fact]
    public async Task FacilityRequirement_StaffWithoutTheFactor_GetOnlyAnEnrolmentToken_ThenSignInWithTheCode()
    {
        var facility = await _client.CreateFacilityAsync();
        var email = await NewEducatorAsync(facility);
        // Educators may not change the setting.
        await (await _client.SendJsonAsync(HttpMethod.Put, "/api/v1/facility/settings/mfa", new { requiredForStaff = true }, facility.EducatorToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        var set = await (await _client.SendJsonAsync(HttpMethod.Put, "/api/v1/facility/settings/mfa", new { requiredForStaff = true }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.True(set.GetProperty("requiredForStaff").GetBoolean());
        Assert.Equal(3, set.GetProperty("activeStaffWithoutMfa").GetInt32());

        var problem = await (await _client.PostJsonAsync(TokenPath, new { email, password = StaffApi.StaffPassword }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaEnrolmentRequired);
        Assert.False(problem.TryGetProperty("accessToken", out _));
        var enrolmentToken = problem.GetProperty("enrolmentToken").GetString()!;
        // The enrolment token reaches nothing but the setup.
        await (await _client.GetAsync("/api/v1/facility/children", enrolmentToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await (await _client.PostJsonAsync("/api/v1/staff/me/password",
            new { currentPassword = StaffApi.StaffPassword, newPassword = "Pusteblume-Morgenrot-2027" }, enrolmentToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        var status = await (await _client.GetAsync(StaffMfa, enrolmentToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.True(status.GetProperty("required").GetBoolean());
        Assert.False(status.GetProperty("enabled").GetBoolean());

        var setup = await factory.EnrolTotpAsync(_client, StaffMfa, enrolmentToken);
        var challenge = await _client.ChallengeAsync(TokenPath, email, StaffApi.StaffPassword);
        var token = (await (await _client.CompleteAsync(StaffComplete, challenge, factory.CurrentCode(setup.Secret))).ExpectAsync(HttpStatusCode.OK))
            .GetProperty("accessToken").GetString();
        await (await _client.GetAsync("/api/v1/facility/children", token)).ExpectAsync(HttpStatusCode.OK);

        // Turning the factor off while it is required ends the account's sessions: the next sign-in enrols again.
        factory.NextStep();
        await (await _client.DeleteAsync(StaffMfa + "/totp", token, new { password = StaffApi.StaffPassword, code = factory.CurrentCode(setup.Secret) }))
            .ExpectAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync("/api/v1/facility/children", token)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        await (await _client.PostJsonAsync(TokenPath, new { email, password = StaffApi.StaffPassword }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaEnrolmentRequired);

        // Lifted: the password alone signs in again.
        await (await _client.SendJsonAsync(HttpMethod.Put, "/api/v1/facility/settings/mfa", new { requiredForStaff = false }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        await _client.StaffTokenAsync(email, StaffApi.StaffPassword);
    }

    [Fact]
    public async Task FacilityRequirement_DoesNotReachOtherFacilities()
    {
        var requiring = await _client.CreateFacilityAsync();
        var other = await factory.SharedFacilityAsync();
        await (await _client.SendJsonAsync(HttpMethod.Put, "/api/v1/facility/settings/mfa", new { requiredForStaff = true }, requiring.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        var email = await NewEducatorAsync(other);
        await _client.StaffTokenAsync(email, StaffApi.StaffPassword);
        var settings = await (await _client.GetAsync("/api/v1/facility/settings/mfa", other.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(settings.GetProperty("requiredForStaff").GetBoolean());
    }
}

/// <summary>With <c>Mfa:RequiredForOperators</c> (the recommended production setting) an operator gets no full token without a second factor.</summary>
public sealed class OperatorSecondFactorTests(OperatorMfaFactory factory) : IClassFixture<OperatorMfaFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Operator_WithoutTheFactor_GetsAnEnrolmentToken_ThenSignsInWithTheCode()
    {
        var problem = await (await _client.PostJsonAsync("/api/v1/staff/auth/token",
            new { email = KitaLinkFactory.OperatorEmail, password = KitaLinkFactory.OperatorPassword }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaEnrolmentRequired);
        var enrolmentToken = problem.GetProperty("enrolmentToken").GetString()!;
        await (await _client.GetAsync("/api/v1/facilities", enrolmentToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await (await _client.PostJsonAsync("/api/v1/facilities", new { name = "Kita Ohne Faktor" }, enrolmentToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        // It expires like any token.
        factory.Time.Advance(TimeSpan.FromMinutes(16));
        await (await _client.GetAsync(StaffMfa, enrolmentToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);

        problem = await (await _client.PostJsonAsync("/api/v1/staff/auth/token",
            new { email = KitaLinkFactory.OperatorEmail, password = KitaLinkFactory.OperatorPassword }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaEnrolmentRequired);
        var setup = await factory.EnrolTotpAsync(_client, StaffMfa, problem.GetProperty("enrolmentToken").GetString()!);
        var challenge = await _client.ChallengeAsync("/api/v1/staff/auth/token", KitaLinkFactory.OperatorEmail, KitaLinkFactory.OperatorPassword);
        var token = (await (await _client.CompleteAsync(StaffComplete, challenge, factory.CurrentCode(setup.Secret))).ExpectAsync(HttpStatusCode.OK))
            .GetProperty("accessToken").GetString();
        await (await _client.GetAsync("/api/v1/facilities", token)).ExpectAsync(HttpStatusCode.OK);
    }
}
