using System.Net;
using System.Text.RegularExpressions;
using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.IntegrationTests.Parent;

/// <summary>Password reset end to end: the code travels through the outbox and the real SMTP peer.</summary>
public sealed partial class PasswordResetTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private const string NewPassword = "Regenbogen-Leuchtturm-77";
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<ParentSession> NewParentAsync()
    {
        var email = ParentApi.UniqueEmail();
        return await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));
    }

    /// <summary>Requests a reset and returns the code from the mail that arrives for it.</summary>
    internal static async Task<string> RequestResetCodeAsync(KitaLinkFactory factory, HttpClient client, string email)
    {
        var before = factory.Smtp.To(email).ToList();
        await (await client.PostJsonAsync("/api/v1/auth/password-reset", new { email })).ExpectAsync(HttpStatusCode.Accepted);
        var mail = await factory.Smtp.WaitForMessageAsync(email, m => !before.Contains(m));
        var match = ResetCode().Match(mail.TextBody ?? "");
        Assert.True(match.Success, "The reset mail carries no code.");
        return match.Value;
    }

    private Task<HttpResponseMessage> ConfirmAsync(string token, string newPassword = NewPassword) =>
        _client.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token, newPassword });

    [Fact]
    public async Task PasswordReset_EndToEnd_SetsTheNewPasswordAndEndsEverySession()
    {
        var parent = await NewParentAsync();

        var code = await RequestResetCodeAsync(factory, _client, parent.Email);
        await (await ConfirmAsync(code)).ExpectAsync(HttpStatusCode.NoContent);

        await (await _client.GetAsync("/api/v1/me", parent.AccessToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        await (await _client.RefreshAsync(parent.RefreshToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        await (await _client.LoginAsync(parent.Email, parent.Password)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        await _client.SignInAsync(parent.Email, NewPassword);
        var actions = await factory.QueryDbAsync(db => db.AuditEvents.Where(e => e.AccountId == parent.AccountId).Select(e => e.Action).ToListAsync());
        Assert.Contains(AuditActions.PasswordResetRequested, actions);
        Assert.Contains(AuditActions.PasswordResetCompleted, actions);
    }

    [Fact]
    public async Task PasswordReset_CodeWorksOnce()
    {
        var parent = await NewParentAsync();
        var code = await RequestResetCodeAsync(factory, _client, parent.Email);
        await (await ConfirmAsync(code)).ExpectAsync(HttpStatusCode.NoContent);

        await (await ConfirmAsync(code, "Andere-Passphrase-2026")).ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ResetTokenInvalid);
        await _client.SignInAsync(parent.Email, NewPassword);
    }

    [Fact]
    public async Task PasswordReset_CodeExpiresAfterOneHour()
    {
        var parent = await NewParentAsync();
        var code = await RequestResetCodeAsync(factory, _client, parent.Email);

        factory.Time.Advance(ParentAuthApi.ResetTokenLifetime + TimeSpan.FromSeconds(1));

        await (await ConfirmAsync(code)).ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ResetTokenInvalid);
        await _client.SignInAsync(parent.Email, parent.Password);
    }

    [Fact]
    public async Task PasswordReset_UsingOneCode_InvalidatesEarlierCodes()
    {
        var parent = await NewParentAsync();
        var first = await RequestResetCodeAsync(factory, _client, parent.Email);
        var second = await RequestResetCodeAsync(factory, _client, parent.Email);

        await (await ConfirmAsync(second)).ExpectAsync(HttpStatusCode.NoContent);

        await (await ConfirmAsync(first, "Andere-Passphrase-2026")).ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ResetTokenInvalid);
    }

    [Theory]
    [InlineData("not-a-code")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task PasswordReset_WithUnknownCode_ReturnsResetTokenInvalid(string code) =>
        await (await ConfirmAsync(code)).ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ResetTokenInvalid);

    [Fact]
    public async Task PasswordReset_WithUnacceptableNewPassword_ReturnsValidationFailed_AndKeepsTheCode()
    {
        var parent = await NewParentAsync();
        var code = await RequestResetCodeAsync(factory, _client, parent.Email);

        var problem = await (await ConfirmAsync(code, "password1234")).ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);

        Assert.True(problem.HasFieldError("newPassword"));
        await (await ConfirmAsync(code)).ExpectAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task PasswordReset_ForAnUnknownEmail_AnswersTheSame_AndSendsNothing()
    {
        var parent = await NewParentAsync();
        var unknown = ParentApi.UniqueEmail();

        var known = await _client.PostJsonAsync("/api/v1/auth/password-reset", new { email = parent.Email });
        var stranger = await _client.PostJsonAsync("/api/v1/auth/password-reset", new { email = unknown });

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, stranger.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await stranger.Content.ReadAsStringAsync());
        Assert.False(await factory.QueryDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Recipient == unknown)));
        Assert.True(await factory.QueryDbAsync(db => db.OutboxMessages.AnyAsync(m =>
            m.Recipient == parent.Email && m.Kind == OutboxMessageKind.PasswordReset && m.AccountId == parent.AccountId)));
    }

    [Fact]
    public async Task PasswordReset_RequestsBeyondTheHourlyLimit_SendNoFurtherMail()
    {
        var parent = await NewParentAsync();
        for (var i = 0; i < ParentAuthApi.MaxResetEmailsPerHour + 2; i++)
        {
            await (await _client.PostJsonAsync("/api/v1/auth/password-reset", new { email = parent.Email })).ExpectAsync(HttpStatusCode.Accepted);
        }

        Assert.Equal(ParentAuthApi.MaxResetEmailsPerHour, await factory.QueryDbAsync(db =>
            db.OutboxMessages.CountAsync(m => m.AccountId == parent.AccountId && m.Kind == OutboxMessageKind.PasswordReset)));

        factory.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await RequestResetCodeAsync(factory, _client, parent.Email);
    }

    [Fact]
    public async Task PasswordReset_CodeAppearsInNoLogLine()
    {
        var parent = await NewParentAsync();

        var code = await RequestResetCodeAsync(factory, _client, parent.Email);
        await (await ConfirmAsync(code)).ExpectAsync(HttpStatusCode.NoContent);

        Assert.DoesNotContain(code, factory.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(NewPassword, factory.Logs.AllText, StringComparison.Ordinal);
    }

    // SecretTokens: 32 random bytes, base64url without padding.
    [GeneratedRegex("(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")]
    internal static partial Regex ResetCode();
}
