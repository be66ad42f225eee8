using System.Net;
using System.Text.Json;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Parent;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;

namespace KitaLink.IntegrationTests.Staff;

/// <summary>
/// The staff account lifecycle through HTTP with real tokens: sign-out everywhere, password change and reset,
/// deactivation and reactivation by the facility admin (the operator for admins), the last active admin, and
/// administrators ending sessions (staff by their admin, a parent's by the operator).
/// </summary>
public sealed class StaffLifecycleTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private const string NewPassword = "Pusteblume-Morgenrot-2027";
    private readonly HttpClient _client = factory.CreateClient();

    private sealed record Member(Guid Id, string Email, string Token);

    /// <summary>A new staff member of the facility (created by its admin) with a real token.</summary>
    private async Task<Member> NewStaffAsync(TestFacility facility, string role = "educator")
    {
        var email = UniqueEmail(role);
        var created = await (await _client.PostJsonAsync("/api/v1/facility/staff",
            new { email, displayName = "Erika Team", password = StaffApi.StaffPassword, role }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        return new Member(created.GetProperty("id").GetGuid(), email, await _client.StaffTokenAsync(email, StaffApi.StaffPassword));
    }

    private async Task<Guid> AdminIdAsync(TestFacility facility)
    {
        var team = await (await _client.GetAsync("/api/v1/facility/staff", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        return team.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("role").GetString() == "admin").GetProperty("id").GetGuid();
    }

    private Task<HttpResponseMessage> StaffLoginAsync(string email, string password) =>
        _client.PostJsonAsync("/api/v1/staff/auth/token", new { email, password });

    private async Task AssertTokenRefusedAsync(string token) =>
        await (await _client.GetAsync("/api/v1/facility/children", token)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);

    private async Task AssertTokenWorksAsync(string token) =>
        await (await _client.GetAsync("/api/v1/facility/children", token)).ExpectAsync(HttpStatusCode.OK);

    private static string Shape(JsonElement problem) =>
        string.Join("|", problem.EnumerateObject().Where(p => p.Name is not ("traceId" or "instance")).Select(p => $"{p.Name}={p.Value}"));

    private async Task<string> RequestResetCodeAsync(string email)
    {
        var before = factory.Smtp.To(email).ToList();
        await (await _client.PostJsonAsync("/api/v1/staff/auth/password-reset", new { email })).ExpectAsync(HttpStatusCode.Accepted);
        var mail = await factory.Smtp.WaitForMessageAsync(email, m => !before.Contains(m));
        var match = PasswordResetTests.ResetCode().Match(mail.TextBody ?? "");
        Assert.True(match.Success, "The reset mail carries no code.");
        return match.Value;
    }

    /// <summary>The facility's audit events that name the staff member (in their data).</summary>
    private async Task<List<AuditEvent>> EventsAboutAsync(TestFacility facility, Member member)
    {
        var events = await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.FacilityId == facility.Id).ToListAsync());
        return events.Where(e => e.Data?.Contains(member.Id.ToString(), StringComparison.Ordinal) == true).ToList();
    }

    private Task<HttpResponseMessage> ConfirmResetAsync(string token, string newPassword = NewPassword) =>
        _client.PostJsonAsync("/api/v1/staff/auth/password-reset/confirm", new { token, newPassword });

    [Fact]
    public async Task Logout_EndsEveryTokenOfTheAccount_AtOnce_AndTheNextSignInWorks()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);
        var secondDevice = await _client.StaffTokenAsync(member.Email, StaffApi.StaffPassword);

        await (await _client.PostJsonAsync("/api/v1/staff/auth/logout", null, member.Token)).ExpectAsync(HttpStatusCode.NoContent);

        await AssertTokenRefusedAsync(member.Token);
        await AssertTokenRefusedAsync(secondDevice);
        await AssertTokenWorksAsync(await _client.StaffTokenAsync(member.Email, StaffApi.StaffPassword));
        Assert.True(await factory.QueryDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.LoggedOut && e.ActorId == member.Id)));
    }

    [Fact]
    public async Task Logout_OfTheOperator_EndsTheOperatorsTokens()
    {
        var token = await _client.OperatorTokenAsync();
        await (await _client.GetAsync("/api/v1/facilities", token)).ExpectAsync(HttpStatusCode.OK);

        await (await _client.PostJsonAsync("/api/v1/staff/auth/logout", null, token)).ExpectAsync(HttpStatusCode.NoContent);

        await (await _client.GetAsync("/api/v1/facilities", token)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task StaffEndpoints_RefuseParentTokensAndAnonymousCallers()
    {
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));

        await (await _client.PostJsonAsync("/api/v1/staff/auth/logout", null, parent.AccessToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await (await _client.PostJsonAsync("/api/v1/staff/me/password", new { currentPassword = ParentApi.Password, newPassword = NewPassword }, parent.AccessToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await (await _client.PostJsonAsync("/api/v1/staff/auth/logout", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task ChangePassword_RevokesEveryEarlierToken_AndAnswersWithAFreshOne()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);

        var body = await (await _client.PostJsonAsync("/api/v1/staff/me/password",
            new { currentPassword = StaffApi.StaffPassword, newPassword = NewPassword }, member.Token)).ExpectAsync(HttpStatusCode.OK);

        await AssertTokenRefusedAsync(member.Token);
        await AssertTokenWorksAsync(body.GetProperty("accessToken").GetString()!);
        await (await StaffLoginAsync(member.Email, StaffApi.StaffPassword)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        await AssertTokenWorksAsync(await _client.StaffTokenAsync(member.Email, NewPassword));
    }

    [Fact]
    public async Task ChangePassword_WithAWrongCurrentPassword_IsInvalidCredentials_CountsTowardsTheLockout_AndChangesNothing()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);

        await (await _client.PostJsonAsync("/api/v1/staff/me/password",
            new { currentPassword = "Falsches-Passwort-2026", newPassword = NewPassword }, member.Token))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);

        Assert.Equal(1, await factory.QueryDbAsync(db => db.StaffMembers.Where(s => s.Id == member.Id).Select(s => s.FailedLoginCount).SingleAsync()));
        await AssertTokenWorksAsync(member.Token);
        await AssertTokenWorksAsync(await _client.StaffTokenAsync(member.Email, StaffApi.StaffPassword));
    }

    [Fact]
    public async Task ChangePassword_WithAnUnacceptableNewPassword_IsValidationFailed()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);

        var problem = await (await _client.PostJsonAsync("/api/v1/staff/me/password",
            new { currentPassword = StaffApi.StaffPassword, newPassword = "password1234" }, member.Token))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        Assert.True(problem.HasFieldError("newPassword"));
        await AssertTokenWorksAsync(member.Token);
    }

    [Fact]
    public async Task PasswordReset_EndToEnd_SetsTheNewPassword_EndsEveryToken_AndTheCodeWorksOnce()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);

        var code = await RequestResetCodeAsync(member.Email);
        await (await ConfirmResetAsync(code)).ExpectAsync(HttpStatusCode.NoContent);

        await AssertTokenRefusedAsync(member.Token);
        await (await StaffLoginAsync(member.Email, StaffApi.StaffPassword)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        await AssertTokenWorksAsync(await _client.StaffTokenAsync(member.Email, NewPassword));
        await (await ConfirmResetAsync(code, "Andere-Passphrase-2026")).ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ResetTokenInvalid);
        var actions = (await EventsAboutAsync(facility, member)).Select(e => e.Action).ToList();
        Assert.Contains(AuditActions.PasswordResetRequested, actions);
        Assert.Contains(AuditActions.PasswordResetCompleted, actions);
    }

    [Fact]
    public async Task PasswordReset_ForAnUnknownEmail_AnswersTheSame_AndSendsNothing()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);
        var unknown = UniqueEmail("niemand");

        var known = await _client.PostJsonAsync("/api/v1/staff/auth/password-reset", new { email = member.Email });
        var stranger = await _client.PostJsonAsync("/api/v1/staff/auth/password-reset", new { email = unknown });

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, stranger.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await stranger.Content.ReadAsStringAsync());
        Assert.False(await factory.QueryDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Recipient == unknown)));
        Assert.True(await factory.QueryDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Recipient == member.Email && m.Kind == OutboxMessageKind.PasswordReset)));
    }

    [Fact]
    public async Task PasswordReset_CodesOfParentsAndStaff_WorkOnlyAtTheirOwnEndpoint()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);
        var parentEmail = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(parentEmail, await factory.IssuePinsAsync(parentEmail));
        var staffCode = await RequestResetCodeAsync(member.Email);
        var parentCode = await PasswordResetTests.RequestResetCodeAsync(factory, _client, parent.Email);

        await (await _client.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token = staffCode, newPassword = NewPassword }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ResetTokenInvalid);
        await (await ConfirmResetAsync(parentCode)).ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ResetTokenInvalid);

        await (await ConfirmResetAsync(staffCode)).ExpectAsync(HttpStatusCode.NoContent);
        await (await _client.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token = parentCode, newPassword = NewPassword }))
            .ExpectAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Deactivate_RefusesTheTokenAtOnce_AndSignInAnswersLikeAWrongPassword()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);
        await AssertTokenWorksAsync(member.Token);

        var deactivated = await (await _client.PostJsonAsync($"/api/v1/facility/staff/{member.Id}/deactivate", null, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);

        // Same clock second (the test clock has not moved): the token is refused on its very next request.
        Assert.False(deactivated.GetProperty("active").GetBoolean());
        Assert.Equal(factory.Time.GetUtcNow(), deactivated.GetProperty("deactivatedAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        await AssertTokenRefusedAsync(member.Token);
        var rightPassword = await (await StaffLoginAsync(member.Email, StaffApi.StaffPassword)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        var wrongPassword = await (await StaffLoginAsync(member.Email, "Falsches-Passwort-2026")).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        var unknown = await (await StaffLoginAsync(UniqueEmail("niemand"), StaffApi.StaffPassword)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        Assert.Equal(Shape(unknown), Shape(rightPassword));
        Assert.Equal(Shape(wrongPassword), Shape(rightPassword));
        var team = await (await _client.GetAsync("/api/v1/facility/staff", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(team.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("id").GetGuid() == member.Id).GetProperty("active").GetBoolean());
        Assert.Contains(await EventsAboutAsync(facility, member), e => e.Action == AuditActions.StaffDeactivated);
    }

    [Fact]
    public async Task StaffList_ChecksTheTokenVersionInItsOwnQuery_ForAnEmptyAndAFullFacility()
    {
        // The staff list checks the token in the statement that reads the page; an empty page falls back to the
        // central check. Both ways must refuse a signed-out token and serve a current one.
        var facility = await _client.CreateFacilityAsync();
        var member = await NewStaffAsync(facility);
        var staying = await NewStaffAsync(facility);
        var empty = await (await _client.GetAsync("/api/v1/facility/children", member.Token)).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(empty.GetProperty("items").EnumerateArray());

        await (await _client.PostJsonAsync("/api/v1/staff/auth/logout", null, member.Token)).ExpectAsync(HttpStatusCode.NoContent);
        await AssertTokenRefusedAsync(member.Token);

        await (await _client.PostJsonAsync("/api/v1/facility/children",
            new { firstName = "Ida", lastName = "Igel", dateOfBirth = "2022-03-03" }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        await AssertTokenRefusedAsync(member.Token);
        var page = await (await _client.GetAsync("/api/v1/facility/children", staying.Token)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Ida", Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("firstName").GetString());

        await (await _client.PostJsonAsync($"/api/v1/facility/staff/{staying.Id}/deactivate", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        await AssertTokenRefusedAsync(staying.Token);
    }

    [Fact]
    public async Task Reactivate_LetsTheMemberSignInAgain_ButEarlierTokensStayInvalid()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);
        await (await _client.PostJsonAsync($"/api/v1/facility/staff/{member.Id}/deactivate", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);

        var reactivated = await (await _client.PostJsonAsync($"/api/v1/facility/staff/{member.Id}/reactivate", null, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);

        Assert.True(reactivated.GetProperty("active").GetBoolean());
        await AssertTokenRefusedAsync(member.Token);
        await AssertTokenWorksAsync(await _client.StaffTokenAsync(member.Email, StaffApi.StaffPassword));
    }

    [Fact]
    public async Task Deactivate_EndsPendingResetCodes_AndADeactivatedAccountGetsNoResetMail()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);
        var code = await RequestResetCodeAsync(member.Email);
        await (await _client.PostJsonAsync($"/api/v1/facility/staff/{member.Id}/deactivate", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);

        await (await ConfirmResetAsync(code)).ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ResetTokenInvalid);
        await (await _client.PostJsonAsync("/api/v1/staff/auth/password-reset", new { email = member.Email })).ExpectAsync(HttpStatusCode.Accepted);

        Assert.Equal(1, await factory.QueryDbAsync(db => db.OutboxMessages.CountAsync(m => m.Recipient == member.Email && m.Kind == OutboxMessageKind.PasswordReset)));
    }

    [Fact]
    public async Task Deactivate_TheLastActiveAdmin_Is409_InBothLanguages_AndChangesNothing()
    {
        var facility = await _client.CreateFacilityAsync();
        var adminId = await AdminIdAsync(facility);

        var english = await (await _client.PostJsonAsync($"/api/v1/facility/staff/{adminId}/deactivate", null, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.LastActiveAdmin);
        var german = await (await _client.PostJsonAsync($"/api/v1/facility/staff/{adminId}/deactivate", null, facility.AdminToken, language: "de"))
            .ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.LastActiveAdmin);
        Assert.NotEqual(english.GetProperty("detail").GetString(), german.GetProperty("detail").GetString());
        await AssertTokenWorksAsync(facility.AdminToken);

        // With a second active admin the first may go; then the second is the last one.
        var second = await NewStaffAsync(facility, "admin");
        await (await _client.PostJsonAsync($"/api/v1/facility/staff/{adminId}/deactivate", null, second.Token)).ExpectAsync(HttpStatusCode.OK);
        await (await _client.PostJsonAsync($"/api/v1/facility/staff/{second.Id}/deactivate", null, second.Token))
            .ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.LastActiveAdmin);
        var operatorToken = await _client.OperatorTokenAsync();
        await (await _client.PostJsonAsync($"/api/v1/facilities/{facility.Id}/staff/{second.Id}/deactivate", null, operatorToken))
            .ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.LastActiveAdmin);
        await AssertTokenWorksAsync(second.Token);
    }

    [Fact]
    public async Task TwoAdmins_DeactivatingEachOtherAtOnce_LeaveOneActiveAdmin()
    {
        var facility = await _client.CreateFacilityAsync();
        var firstId = await AdminIdAsync(facility);
        var second = await NewStaffAsync(facility, "admin");

        var answers = await Task.WhenAll(
            _client.PostJsonAsync($"/api/v1/facility/staff/{second.Id}/deactivate", null, facility.AdminToken),
            _client.PostJsonAsync($"/api/v1/facility/staff/{firstId}/deactivate", null, second.Token));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(1, await factory.QueryDbAsync(db => db.StaffMembers.CountAsync(s =>
            s.FacilityId == facility.Id && s.Role == KitaLink.Api.Staff.StaffRole.Admin && s.DeactivatedAt == null)));
    }

    [Fact]
    public async Task Operator_DeactivatesAndReactivatesAFacilityAdmin_ButNotAnEducator()
    {
        var facility = await _client.CreateFacilityAsync();
        var operatorToken = await _client.OperatorTokenAsync();
        var admin = await NewStaffAsync(facility, "admin");
        var educator = await NewStaffAsync(facility);

        await (await _client.PostJsonAsync($"/api/v1/facilities/{facility.Id}/staff/{admin.Id}/deactivate", null, operatorToken)).ExpectAsync(HttpStatusCode.OK);
        await AssertTokenRefusedAsync(admin.Token);
        await (await _client.PostJsonAsync($"/api/v1/facilities/{facility.Id}/staff/{admin.Id}/reactivate", null, operatorToken)).ExpectAsync(HttpStatusCode.OK);
        await AssertTokenWorksAsync(await _client.StaffTokenAsync(admin.Email, StaffApi.StaffPassword));

        await (await _client.PostJsonAsync($"/api/v1/facilities/{facility.Id}/staff/{educator.Id}/deactivate", null, operatorToken))
            .ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await (await _client.PostJsonAsync($"/api/v1/facilities/{Guid.NewGuid()}/staff/{admin.Id}/deactivate", null, operatorToken))
            .ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await (await _client.PostJsonAsync($"/api/v1/facilities/{facility.Id}/staff/{admin.Id}/deactivate", null, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await AssertTokenWorksAsync(educator.Token);
    }

    [Fact]
    public async Task Educator_MayNotDeactivateOrEndSessions()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);
        foreach (var action in new[] { "deactivate", "reactivate", "sessions/end" })
        {
            await (await _client.PostJsonAsync($"/api/v1/facility/staff/{member.Id}/{action}", null, facility.EducatorToken))
                .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        }
        await AssertTokenWorksAsync(member.Token);
    }

    [Fact]
    public async Task Admin_EndsEverySessionOfAStaffMember_WhoCanSignInAgain_Audited()
    {
        var facility = await factory.SharedFacilityAsync();
        var member = await NewStaffAsync(facility);
        var secondDevice = await _client.StaffTokenAsync(member.Email, StaffApi.StaffPassword);

        await (await _client.PostJsonAsync($"/api/v1/facility/staff/{member.Id}/sessions/end", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.NoContent);

        await AssertTokenRefusedAsync(member.Token);
        await AssertTokenRefusedAsync(secondDevice);
        await AssertTokenWorksAsync(await _client.StaffTokenAsync(member.Email, StaffApi.StaffPassword));
        var ended = Assert.Single(await EventsAboutAsync(facility, member), e => e.Action == AuditActions.StaffSessionsEnded);
        Assert.Equal(await AdminIdAsync(facility), ended.ActorId);
    }

    [Fact]
    public async Task Operator_EndsEverySessionOfAParent_ForALostPhone_Audited()
    {
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));
        var operatorToken = await _client.OperatorTokenAsync();

        await (await _client.PostJsonAsync("/api/v1/parent-accounts/sessions/end", new { email = email.ToUpperInvariant() }, operatorToken))
            .ExpectAsync(HttpStatusCode.NoContent);

        await (await _client.GetAsync("/api/v1/me", parent.AccessToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        await (await _client.RefreshAsync(parent.RefreshToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        var again = await _client.SignInAsync(email, ParentApi.Password);
        await (await _client.GetAsync("/api/v1/me", again.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        var ended = await factory.QueryDbAsync(db => db.AuditEvents.SingleAsync(e => e.Action == AuditActions.AccountSessionsEnded && e.AccountId == parent.AccountId));
        Assert.Equal(AuditActorType.Staff, ended.ActorType);
    }

    [Fact]
    public async Task EndParentSessions_IsForOperatorsOnly_AndAnUnknownEmailIsNotFound()
    {
        var facility = await factory.SharedFacilityAsync();
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email, facility));

        await (await _client.PostJsonAsync("/api/v1/parent-accounts/sessions/end", new { email }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await (await _client.PostJsonAsync("/api/v1/parent-accounts/sessions/end", new { email }, parent.AccessToken))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await (await _client.PostJsonAsync("/api/v1/parent-accounts/sessions/end", new { email = ParentApi.UniqueEmail() }, await _client.OperatorTokenAsync()))
            .ExpectProblemAsync(HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await (await _client.GetAsync("/api/v1/me", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
    }
}
