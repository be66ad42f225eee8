using System.Net;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Privacy;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static KitaLink.IntegrationTests.Mfa.MfaTestSupport;

namespace KitaLink.IntegrationTests.Mfa;

/// <summary>Three failures (passwords and codes together) lock an account for 15 minutes.</summary>
public sealed class MfaFactory : KitaLinkFactory
{
    public const int MaxFailedLogins = 3;
    public const int LockoutMinutes = 15;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Passwords:MaxFailedLogins"] = MaxFailedLogins.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Passwords:LockoutMinutes"] = LockoutMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// A parent's second factor through HTTP with real tokens: setup with a confirming code, sign-in in two steps,
/// replay and challenge rules, recovery codes, turning it off, and wrong codes in the login lockout.
/// </summary>
public sealed class ParentSecondFactorTests(MfaFactory factory) : IClassFixture<MfaFactory>
{
    private const string TokenPath = "/api/v1/auth/token";
    private const string WrongPassword = "Not-The-Password-2026";
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<(ParentSession Parent, TotpSetup Setup)> EnrolledParentAsync()
    {
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));
        return (parent, await factory.EnrolTotpAsync(_client, ParentMfa, parent.AccessToken));
    }

    private static string WrongCode(string code) => code == "000000" ? "111111" : "000000";

    [Fact]
    public async Task Setup_ShowsSecretUriAndQrCode_AndSignInThenNeedsTheCode()
    {
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));

        var started = await (await _client.PostJsonAsync(ParentMfa + "/totp", null, parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        var secret = started.GetProperty("secret").GetString()!;
        Assert.Equal(32, secret.Length); // 160 bits in base32
        var uri = started.GetProperty("otpauthUri").GetString()!;
        Assert.StartsWith("otpauth://totp/KitaLink:", uri, StringComparison.Ordinal);
        Assert.Contains("secret=" + secret, uri, StringComparison.Ordinal);
        Assert.Contains("period=30", uri, StringComparison.Ordinal);
        var png = Convert.FromBase64String(started.GetProperty("qrCode").GetString()!["data:image/png;base64,".Length..]);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

        // Not confirmed yet: the password alone still signs in.
        await (await _client.LoginAsync(email, ParentApi.Password)).ExpectAsync(HttpStatusCode.OK);
        await (await _client.PostJsonAsync(ParentMfa + "/totp/confirm", new { code = WrongCode(factory.CurrentCode(secret)) }, parent.AccessToken))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        var confirmed = await (await _client.PostJsonAsync(ParentMfa + "/totp/confirm", new { code = factory.CurrentCode(secret) }, parent.AccessToken))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(10, confirmed.GetProperty("recoveryCodes").GetArrayLength());
        factory.NextStep();

        var problem = await (await _client.LoginAsync(email, ParentApi.Password)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaRequired);
        Assert.DoesNotContain("accessToken", problem.GetRawText(), StringComparison.Ordinal);
        var expiresAt = problem.GetProperty("challengeExpiresAt").GetDateTimeOffset();
        Assert.Equal(factory.Time.GetUtcNow().AddMinutes(5), expiresAt, TimeSpan.FromSeconds(1));
        var tokens = await (await _client.CompleteAsync(ParentComplete, problem.GetProperty("challenge").GetString()!, factory.CurrentCode(secret)))
            .ExpectAsync(HttpStatusCode.OK);
        var me = await (await _client.GetAsync("/api/v1/me", tokens.GetProperty("accessToken").GetString())).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(parent.AccountId, me.GetProperty("id").GetGuid());
        await (await _client.RefreshAsync(tokens.GetProperty("refreshToken").GetString()!)).ExpectAsync(HttpStatusCode.OK);

        var status = await (await _client.GetAsync(ParentMfa, parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.True(status.GetProperty("enabled").GetBoolean());
        // Starting again while it is on is refused: turning it off needs password and code.
        await (await _client.PostJsonAsync(ParentMfa + "/totp", null, parent.AccessToken)).ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.MfaAlreadyEnabled);
    }

    [Fact]
    public async Task Secret_IsStoredEncrypted()
    {
        var (parent, setup) = await EnrolledParentAsync();
        var stored = await factory.QueryDbAsync(db => db.ParentAccounts.AsNoTracking().Where(a => a.Id == parent.AccountId).Select(a => a.TotpSecret).SingleAsync());
        Assert.NotNull(stored);
        Assert.DoesNotContain(setup.Secret, stored, StringComparison.OrdinalIgnoreCase);
        var hashes = await factory.QueryDbAsync(db => db.MfaRecoveryCodes.AsNoTracking().Where(c => c.ParentAccountId == parent.AccountId).Select(c => c.CodeHash).ToListAsync());
        Assert.Equal(10, hashes.Count);
        Assert.All(hashes, h => Assert.Equal(32, h.Length));
    }

    [Fact]
    public async Task UsedCode_IsRefusedWithinItsWindow_AndAChallengeWorksOnce()
    {
        var (parent, setup) = await EnrolledParentAsync();
        var code = factory.CurrentCode(setup.Secret);
        var first = await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password);
        await (await _client.CompleteAsync(ParentComplete, first, code)).ExpectAsync(HttpStatusCode.OK);

        // The same code again, with a new challenge: refused (a replay), and in the next step (still inside ±1 step) too.
        var second = await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password);
        await (await _client.CompleteAsync(ParentComplete, second, code)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        factory.NextStep();
        await (await _client.CompleteAsync(ParentComplete, second, code)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        // The used challenge with a fresh code: refused.
        await (await _client.CompleteAsync(ParentComplete, first, factory.CurrentCode(setup.Secret))).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        // The open challenge with the fresh code: signed in.
        await (await _client.CompleteAsync(ParentComplete, second, factory.CurrentCode(setup.Secret))).ExpectAsync(HttpStatusCode.OK);

        var failures = await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking()
            .Where(e => e.AccountId == parent.AccountId && e.Action == AuditActions.LoginFailed).Select(e => e.Data).ToListAsync());
        Assert.Equal(2, failures.Count(d => d!.Contains("replayed_code", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ParallelCompletions_WithOneCode_SignInOnce()
    {
        var (parent, setup) = await EnrolledParentAsync();
        var challenges = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            challenges.Add(await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password));
        }
        var code = factory.CurrentCode(setup.Secret);
        var answers = await Task.WhenAll(challenges.Select(c => _client.CompleteAsync(ParentComplete, c, code)));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
    }

    [Fact]
    public async Task Challenge_ExpiresAfterFiveMinutes()
    {
        var (parent, setup) = await EnrolledParentAsync();
        var challenge = await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password);
        factory.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await (await _client.CompleteAsync(ParentComplete, challenge, factory.CurrentCode(setup.Secret)))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);

        // The retention job removes the expired challenge.
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<RetentionSweep>().RunAsync(CancellationToken.None);
        }
        Assert.Equal(0, await factory.QueryDbAsync(db => db.MfaChallenges.CountAsync(c => c.ParentAccountId == parent.AccountId)));

        var fresh = await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password);
        factory.Time.Advance(TimeSpan.FromMinutes(4));
        await (await _client.CompleteAsync(ParentComplete, fresh, factory.CurrentCode(setup.Secret))).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WrongCodes_CountIntoTheLoginLockout_TogetherWithWrongPasswords()
    {
        var (parent, setup) = await EnrolledParentAsync();
        // One wrong password, then the right one: with a second factor on, the password alone does not clear the count.
        await (await _client.LoginAsync(parent.Email, WrongPassword)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        var challenge = await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password);
        var wrong = WrongCode(factory.CurrentCode(setup.Secret));
        await (await _client.CompleteAsync(ParentComplete, challenge, wrong)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        challenge = await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password);
        await (await _client.CompleteAsync(ParentComplete, challenge, wrong)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);

        // That was the third failure (one password, two codes): locked. The right code and the right password are refused alike.
        await (await _client.CompleteAsync(ParentComplete, challenge, factory.CurrentCode(setup.Secret)))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        await (await _client.LoginAsync(parent.Email, parent.Password)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        var locked = await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking()
            .CountAsync(e => e.AccountId == parent.AccountId && e.Action == AuditActions.LoginLockedOut));
        Assert.Equal(1, locked);

        factory.Time.Advance(TimeSpan.FromMinutes(MfaFactory.LockoutMinutes) + TimeSpan.FromSeconds(1));
        challenge = await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password);
        await (await _client.CompleteAsync(ParentComplete, challenge, factory.CurrentCode(setup.Secret))).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RecoveryCode_SignsInOnce()
    {
        var (parent, setup) = await EnrolledParentAsync();
        var recovery = setup.RecoveryCodes[3];
        var challenge = await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password);
        // Lower case and without dashes: typed as it comes.
        var tokens = await (await _client.CompleteAsync(ParentComplete, challenge, recoveryCode: recovery.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant()))
            .ExpectAsync(HttpStatusCode.OK);

        challenge = await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password);
        await (await _client.CompleteAsync(ParentComplete, challenge, recoveryCode: recovery)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        await (await _client.CompleteAsync(ParentComplete, challenge, recoveryCode: setup.RecoveryCodes[4])).ExpectAsync(HttpStatusCode.OK);

        var status = await (await _client.GetAsync(ParentMfa, tokens.GetProperty("accessToken").GetString())).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(8, status.GetProperty("recoveryCodesLeft").GetInt32());
        var used = await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking()
            .CountAsync(e => e.AccountId == parent.AccountId && e.Action == AuditActions.MfaRecoveryCodeUsed));
        Assert.Equal(2, used);
    }

    [Fact]
    public async Task TurningOff_NeedsPasswordAndCode()
    {
        var (parent, setup) = await EnrolledParentAsync();
        var token = parent.AccessToken;
        await (await _client.DeleteAsync(ParentMfa + "/totp", token, new { password = WrongPassword, code = factory.CurrentCode(setup.Secret) }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        await (await _client.DeleteAsync(ParentMfa + "/totp", token, new { password = parent.Password, code = WrongCode(factory.CurrentCode(setup.Secret)) }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        await (await _client.DeleteAsync(ParentMfa + "/totp", token, new { password = parent.Password }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        // Still on.
        await _client.ChallengeAsync(TokenPath, parent.Email, parent.Password);

        await (await _client.DeleteAsync(ParentMfa + "/totp", token, new { password = parent.Password, code = factory.CurrentCode(setup.Secret) }))
            .ExpectAsync(HttpStatusCode.NoContent);
        await (await _client.LoginAsync(parent.Email, parent.Password)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, await factory.QueryDbAsync(db => db.MfaRecoveryCodes.CountAsync(c => c.ParentAccountId == parent.AccountId)));
        await (await _client.DeleteAsync(ParentMfa + "/totp", token, new { password = parent.Password, code = factory.CurrentCode(setup.Secret) }))
            .ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.MfaNotEnabled);
        var disabled = await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking()
            .CountAsync(e => e.AccountId == parent.AccountId && e.Action == AuditActions.MfaDisabled));
        Assert.Equal(1, disabled);
    }

    [Fact]
    public async Task StaffChallenge_DoesNotCompleteAParentSignIn()
    {
        var facility = await factory.SharedFacilityAsync();
        var educatorEmail = $"erzieher-{Guid.NewGuid():N}@test.kitalink.example";
        await (await _client.PostJsonAsync("/api/v1/facility/staff",
            new { email = educatorEmail, displayName = "Emil Erzieher", password = StaffApi.StaffPassword, role = "educator" }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        var token = await _client.StaffTokenAsync(educatorEmail, StaffApi.StaffPassword);
        var setup = await factory.EnrolTotpAsync(_client, StaffMfa, token);
        var staffChallenge = await _client.ChallengeAsync("/api/v1/staff/auth/token", educatorEmail, StaffApi.StaffPassword);

        await (await _client.CompleteAsync(ParentComplete, staffChallenge, factory.CurrentCode(setup.Secret)))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaCodeInvalid);
        await (await _client.CompleteAsync(StaffComplete, staffChallenge, factory.CurrentCode(setup.Secret))).ExpectAsync(HttpStatusCode.OK);
    }
}
