using System.Buffers.Binary;
using System.Net;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KitaLink.IntegrationTests.Parent;

/// <summary>Parent sign-in, rotating refresh tokens with reuse detection, logout and password change.</summary>
public sealed class ParentAuthTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<ParentSession> NewParentAsync()
    {
        var email = ParentApi.UniqueEmail();
        return await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));
    }

    /// <summary>
    /// The revoked token fails on the reads that check the token version in their own statement (<c>GET /me</c>,
    /// <c>/me/children</c>, <c>/me/children/{id}</c>) and on an endpoint checked centrally (linking a child).
    /// </summary>
    private async Task ExpectUnauthenticatedAsync(string accessToken)
    {
        foreach (var path in new[] { "/api/v1/me", "/api/v1/me/children", "/api/v1/me/children?includeArchived=true", $"/api/v1/me/children/{Guid.NewGuid()}" })
        {
            await (await _client.GetAsync(path, accessToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        }
        await (await _client.PostJsonAsync("/api/v1/me/children", new { pin1 = "ABCD-EFGH", pin2 = "ABCD-EFGH" }, accessToken))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    private async Task ExpectRefreshRejectedAsync(string refreshToken) =>
        await (await _client.RefreshAsync(refreshToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);

    [Fact]
    public async Task Login_WithRightPassword_ReturnsAccessAndRefreshToken()
    {
        var parent = await NewParentAsync();

        var body = await (await _client.LoginAsync(parent.Email.ToUpperInvariant(), parent.Password)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("Bearer", body.GetProperty("tokenType").GetString());
        Assert.InRange(body.GetProperty("expiresIn").GetInt32(), 60, 3600);
        Assert.True(body.GetProperty("expiresAt").GetDateTimeOffset() > factory.Time.GetUtcNow());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("refreshToken").GetString()));
        var me = await (await _client.GetAsync("/api/v1/me", body.GetProperty("accessToken").GetString())).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(parent.AccountId, me.GetProperty("id").GetGuid());
        Assert.Equal(parent.Email, me.GetProperty("email").GetString());
        Assert.Equal(1, me.GetProperty("childrenCount").GetInt32());
        Assert.True(me.TryGetProperty("createdAt", out _));
    }

    [Fact]
    public async Task Login_WrongPasswordAndUnknownEmail_GiveIdenticalInvalidCredentials()
    {
        var parent = await NewParentAsync();

        var wrong = await (await _client.LoginAsync(parent.Email, "Not-The-Password-2026"))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        var unknown = await (await _client.LoginAsync(ParentApi.UniqueEmail(), "Not-The-Password-2026"))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);

        Assert.Equal(wrong.GetProperty("title").GetString(), unknown.GetProperty("title").GetString());
        Assert.Equal(wrong.GetProperty("detail").GetString(), unknown.GetProperty("detail").GetString());
        Assert.Equal(wrong.EnumerateObject().Select(p => p.Name).Order(), unknown.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task Login_WithAHashOfFewerIterations_UpgradesTheStoredHash()
    {
        var parent = await NewParentAsync();
        var weak = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 }))
            .HashPassword(new object(), parent.Password);
        await factory.QueryDbAsync(db => db.ParentAccounts.Where(a => a.Id == parent.AccountId)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.PasswordHash, weak)));

        await _client.SignInAsync(parent.Email, parent.Password);

        var stored = await factory.QueryDbAsync(db => db.ParentAccounts.Where(a => a.Id == parent.AccountId).Select(a => a.PasswordHash).SingleAsync());
        Assert.NotEqual(weak, stored);
        Assert.Equal(210_000u, BinaryPrimitives.ReadUInt32BigEndian(Convert.FromBase64String(stored).AsSpan(5, 4)));
        await _client.SignInAsync(parent.Email, parent.Password);
    }

    [Fact]
    public async Task Refresh_RotatesTheToken_AndTheNewAccessTokenWorks()
    {
        var parent = await NewParentAsync();

        var body = await (await _client.RefreshAsync(parent.RefreshToken)).ExpectAsync(HttpStatusCode.OK);

        var next = body.GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(parent.RefreshToken, next);
        await (await _client.GetAsync("/api/v1/me", body.GetProperty("accessToken").GetString())).ExpectAsync(HttpStatusCode.OK);
        await (await _client.RefreshAsync(next)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Refresh_TenTimesAtOnceWithOneToken_GivesOneSuccessor_AndTreatsTheRestAsReuse()
    {
        // The rotation locks the presented token: of ten parallel uses exactly one wins, the other nine find it
        // consumed, which is the sign of a leaked token, so the family (the winner's successor too) ends.
        var parent = await NewParentAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _client.RefreshAsync(parent.RefreshToken)));

        var winner = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a != winner), a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        var successor = (await winner.ExpectAsync(HttpStatusCode.OK)).GetProperty("refreshToken").GetString()!;
        await ExpectRefreshRejectedAsync(successor);
        Assert.Equal(1, await factory.QueryDbAsync(db => db.RefreshTokens.CountAsync(t => t.AccountId == parent.AccountId && t.ReplacedById != null)));
        Assert.Equal(1, await factory.QueryDbAsync(db => db.AuditEvents.CountAsync(e =>
            e.AccountId == parent.AccountId && e.Action == AuditActions.TokenRefreshed)));
    }

    [Fact]
    public async Task Refresh_WithAConsumedToken_RevokesTheWholeFamily_AndReportsReuse()
    {
        var parent = await NewParentAsync();
        var otherDevice = await _client.SignInAsync(parent.Email);
        var second = (await (await _client.RefreshAsync(parent.RefreshToken)).ExpectAsync(HttpStatusCode.OK));
        var third = (await (await _client.RefreshAsync(second.GetProperty("refreshToken").GetString()!)).ExpectAsync(HttpStatusCode.OK));

        // The first token comes back: it was stolen, or the legitimate app is replaying it. Either way the family ends.
        await ExpectRefreshRejectedAsync(parent.RefreshToken);

        await ExpectRefreshRejectedAsync(third.GetProperty("refreshToken").GetString()!);
        await ExpectUnauthenticatedAsync(third.GetProperty("accessToken").GetString()!);
        Assert.True(await factory.QueryDbAsync(db => db.AuditEvents.AnyAsync(e =>
            e.AccountId == parent.AccountId && e.Action == AuditActions.RefreshReuseDetected)));
        // Another device's session (another family) renews and continues.
        await (await _client.RefreshAsync(otherDevice.RefreshToken)).ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("not-a-refresh-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Refresh_WithAnUnknownToken_ReturnsUnauthenticated(string token) =>
        await ExpectRefreshRejectedAsync(token);

    [Fact]
    public async Task Refresh_AfterTheTokenExpired_ReturnsUnauthenticated()
    {
        var parent = await NewParentAsync();

        factory.Time.Advance(TimeSpan.FromDays(31));

        await ExpectRefreshRejectedAsync(parent.RefreshToken);
    }

    [Fact]
    public async Task Logout_RevokesEveryAccessAndRefreshTokenOfTheAccountAtOnce()
    {
        var parent = await NewParentAsync();
        var otherDevice = await _client.SignInAsync(parent.Email);

        await (await _client.PostJsonAsync("/api/v1/auth/logout", new { refreshToken = parent.RefreshToken }, parent.AccessToken))
            .ExpectAsync(HttpStatusCode.NoContent);

        await ExpectUnauthenticatedAsync(parent.AccessToken);
        await ExpectUnauthenticatedAsync(otherDevice.AccessToken);
        await ExpectRefreshRejectedAsync(parent.RefreshToken);
        await ExpectRefreshRejectedAsync(otherDevice.RefreshToken);
        // Signing in again works.
        await _client.SignInAsync(parent.Email);
    }

    [Fact]
    public async Task Logout_WithoutBody_Works_AndNeedsAToken()
    {
        var parent = await NewParentAsync();

        await (await _client.PostJsonAsync("/api/v1/auth/logout", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        await (await _client.PostJsonAsync("/api/v1/auth/logout", null, parent.AccessToken)).ExpectAsync(HttpStatusCode.NoContent);
        await ExpectUnauthenticatedAsync(parent.AccessToken);
    }

    [Fact]
    public async Task ChangePassword_EndsOtherSessions_AndReturnsFreshTokens()
    {
        var parent = await NewParentAsync();
        var otherDevice = await _client.SignInAsync(parent.Email);
        const string newPassword = "Regenbogen-Leuchtturm-77";

        var body = await (await _client.PostJsonAsync("/api/v1/me/password",
            new { currentPassword = parent.Password, newPassword }, parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);

        await ExpectUnauthenticatedAsync(parent.AccessToken);
        await ExpectUnauthenticatedAsync(otherDevice.AccessToken);
        await ExpectRefreshRejectedAsync(parent.RefreshToken);
        await ExpectRefreshRejectedAsync(otherDevice.RefreshToken);
        await (await _client.GetAsync("/api/v1/me", body.GetProperty("accessToken").GetString())).ExpectAsync(HttpStatusCode.OK);
        await (await _client.RefreshAsync(body.GetProperty("refreshToken").GetString()!)).ExpectAsync(HttpStatusCode.OK);
        await (await _client.LoginAsync(parent.Email, parent.Password)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        await _client.SignInAsync(parent.Email, newPassword);
    }

    [Fact]
    public async Task ChangePassword_WithWrongCurrentPassword_ReturnsInvalidCredentials_AndChangesNothing()
    {
        var parent = await NewParentAsync();

        await (await _client.PostJsonAsync("/api/v1/me/password",
                new { currentPassword = "Not-The-Password-2026", newPassword = "Regenbogen-Leuchtturm-77" }, parent.AccessToken))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);

        await (await _client.GetAsync("/api/v1/me", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        await _client.SignInAsync(parent.Email, parent.Password);
    }

    [Theory]
    [InlineData("Kurz-2026")]
    [InlineData("password1234")]
    [InlineData(ParentApi.Password)]
    public async Task ChangePassword_ToAnUnacceptablePassword_ReturnsValidationFailed(string newPassword)
    {
        var parent = await NewParentAsync();

        var problem = await (await _client.PostJsonAsync("/api/v1/me/password",
                new { currentPassword = parent.Password, newPassword }, parent.AccessToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);

        Assert.True(problem.HasFieldError("newPassword"));
        await (await _client.GetAsync("/api/v1/me", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task DeleteAccount_RemovesAccountAndLinks_KeepsFacilityRecords_AndRevokesTokens()
    {
        var email = ParentApi.UniqueEmail();
        var facility = await factory.SharedFacilityAsync();
        var first = await factory.IssuePinsAsync(email, facility);
        var parent = await _client.RegisterAsync(email, first);
        var sibling = await factory.IssuePinsAsync(email, facility);
        await (await _client.LinkChildAsync(parent, sibling)).ExpectAsync(HttpStatusCode.Created);

        await (await _client.DeleteAsync("/api/v1/me", parent.AccessToken, new { password = parent.Password }))
            .ExpectAsync(HttpStatusCode.NoContent);

        await ExpectUnauthenticatedAsync(parent.AccessToken);
        await ExpectRefreshRejectedAsync(parent.RefreshToken);
        await (await _client.LoginAsync(email, parent.Password)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        Assert.Equal(0, await factory.QueryDbAsync(db => db.ChildLinks.CountAsync(l => l.AccountId == parent.AccountId)));
        Assert.Equal(2, await factory.QueryDbAsync(db => db.Children.CountAsync(c => c.Id == first.ChildId || c.Id == sibling.ChildId)));
        Assert.Equal(2, await factory.QueryDbAsync(db => db.Guardians.CountAsync(g => g.Id == first.GuardianId || g.Id == sibling.GuardianId)));
        var actions = await factory.QueryDbAsync(db => db.AuditEvents.Where(e => e.AccountId == parent.AccountId).Select(e => e.Action).ToListAsync());
        Assert.Contains(AuditActions.AccountDeleted, actions);
        Assert.Equal(2, actions.Count(a => a == AuditActions.ChildUnlinked));
        // The email is free again: the facility can issue new PINs and the parent can register anew.
        await _client.RegisterAsync(email, await factory.IssuePinsAsync(email, facility));
    }

    [Fact]
    public async Task DeleteAccount_WithWrongPassword_ReturnsInvalidCredentials_AndKeepsTheAccount()
    {
        var parent = await NewParentAsync();

        await (await _client.DeleteAsync("/api/v1/me", parent.AccessToken, new { password = "Not-The-Password-2026" }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        await (await _client.DeleteAsync("/api/v1/me", parent.AccessToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);

        Assert.Single(await _client.MyChildrenAsync(parent.AccessToken));
    }

    [Fact]
    public async Task MeEndpoints_WithoutToken_ReturnUnauthenticated()
    {
        await (await _client.GetAsync("/api/v1/me", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        await (await _client.GetAsync("/api/v1/me/children", null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        await (await _client.PostJsonAsync("/api/v1/me/children", new { pin1 = "ABCD-EFGH", pin2 = "ABCD-EFGH" }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }
}
