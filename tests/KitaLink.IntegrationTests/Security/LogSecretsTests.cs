using System.Net;
using System.Text.RegularExpressions;
using KitaLink.Api.Accounts;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Mfa;
using SmtpServer.Protocol;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Security;

/// <summary>Every log category at Trace: ASP.NET Core, authentication, EF Core, Npgsql, Data Protection, KitaLink.</summary>
public sealed class TraceLoggingFactory : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Migrations"] = "Trace",
        ["Logging:LogLevel:Npgsql"] = "Trace",
        ["Logging:LogLevel:System"] = "Trace",
    };
}

/// <summary>
/// The whole PIN process and every parent session operation once, with all log output captured at Trace
/// level: no PIN (formatted or raw), password (right or wrong), access or refresh token, reset code or
/// configured key may appear, and the parent's and staff's email addresses only masked.
/// </summary>
public sealed partial class LogSecretsTests(TraceLoggingFactory factory) : IClassFixture<TraceLoggingFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task FullFlow_LeavesNoSecretAndNoUnmaskedEmailInTheLogs()
    {
        var secrets = new List<string>
        {
            KitaLinkFactory.OperatorPassword,
            StaffApi.StaffPassword,
            KitaLinkFactory.JwtSigningKey,
            KitaLinkFactory.PinHashKey,
        };
        var emails = new List<string>();

        // Operator → facility with admin and educator.
        var operatorToken = await _client.OperatorTokenAsync();
        secrets.Add(operatorToken);
        var facility = await _client.CreateFacilityAsync();
        secrets.AddRange([facility.AdminToken, facility.EducatorToken]);
        var staffEmails = (await (await _client.GetAsync("/api/v1/facility/staff", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(s => s.GetProperty("email").GetString()!).ToList();
        emails.AddRange(staffEmails);
        const string wrongStaffPassword = "Falsches-Staff-Passwort-2026";
        secrets.Add(wrongStaffPassword);
        await (await _client.PostJsonAsync("/api/v1/staff/auth/token", new { email = staffEmails[0], password = wrongStaffPassword }))
            .ExpectAsync(HttpStatusCode.Unauthorized);

        // Child + guardian → PINs: PIN 1 to staff and into the letter, PIN 2 by mail.
        var parentEmail = $"Geheim.Eltern.{Guid.NewGuid().ToString("N")[..10]}@Example.org";
        emails.Add(parentEmail);
        var guardian = await _client.CreateChildWithGuardianAsync(facility, parentEmail);
        var pins = await factory.CreatePinsAsync(_client, facility, guardian);
        AddPin(secrets, pins.Pin1);
        AddPin(secrets, pins.Pin2);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(PinsPath(guardian) + "/letter", facility.AdminToken)).StatusCode);
        await (await _client.GetAsync(GuardianPath(guardian), facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);

        // Wrong attempts: wrong PIN 2, another email, an unknown PIN 1.
        const string password = "Sonnenblumen-Kennwort-Geheim-1";
        secrets.Add(password);
        var wrongPin2 = pins.Pin2[..^1] + (pins.Pin2[^1] == '2' ? '3' : '2');
        AddPin(secrets, wrongPin2);
        await (await _client.RegisterAsync(parentEmail, pins.Pin1, wrongPin2, password)).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        var otherEmail = $"Andere.{Guid.NewGuid().ToString("N")[..10]}@Example.org";
        emails.Add(otherEmail);
        await (await _client.RegisterAsync(otherEmail, pins.Pin1, pins.Pin2, password)).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        await (await _client.RegisterAsync(parentEmail, "WXYZ-WXYZ", pins.Pin2, password)).ExpectAsync(HttpStatusCode.UnprocessableEntity);

        // Registration → login → refresh (and a replayed refresh token) → password change.
        var registered = await _client.RegisterAsync(parentEmail, pins, password);
        secrets.AddRange([registered.AccessToken, registered.RefreshToken]);
        const string wrongPassword = "Vertippt-Kennwort-Geheim-2";
        secrets.Add(wrongPassword);
        await (await _client.LoginAsync(parentEmail, wrongPassword)).ExpectAsync(HttpStatusCode.Unauthorized);
        var session = await _client.SignInAsync(parentEmail, password);
        secrets.AddRange([session.AccessToken, session.RefreshToken]);
        var refreshed = await (await _client.RefreshAsync(session.RefreshToken)).ExpectAsync(HttpStatusCode.OK);
        secrets.AddRange([refreshed.GetProperty("accessToken").GetString()!, refreshed.GetProperty("refreshToken").GetString()!]);
        await (await _client.GetAsync("/api/v1/me/children", registered.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        // Replaying a used refresh token ends every access token of the account: sign in again.
        await (await _client.RefreshAsync(session.RefreshToken)).ExpectAsync(HttpStatusCode.Unauthorized);
        var again = await _client.SignInAsync(parentEmail, password);
        secrets.AddRange([again.AccessToken, again.RefreshToken]);

        const string changedPassword = "Neues-Kennwort-Geheim-Drei-3";
        secrets.Add(changedPassword);
        var changed = await (await _client.PostJsonAsync("/api/v1/me/password",
            new { currentPassword = password, newPassword = changedPassword }, again.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        secrets.AddRange([changed.GetProperty("accessToken").GetString()!, changed.GetProperty("refreshToken").GetString()!]);

        // Password reset request + confirm, then sign in and log out.
        await (await _client.PostJsonAsync("/api/v1/auth/password-reset", new { email = parentEmail })).ExpectAsync(HttpStatusCode.Accepted);
        var resetMail = await factory.Smtp.WaitForMessageAsync(parentEmail, m => ResetCode().IsMatch(m.TextBody ?? ""));
        var resetCode = ResetCode().Match(resetMail.TextBody!).Value;
        secrets.Add(resetCode);
        const string resetPassword = "Zurueckgesetzt-Geheim-Vier-4";
        secrets.Add(resetPassword);
        await (await _client.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token = resetCode, newPassword = resetPassword }))
            .ExpectAsync(HttpStatusCode.NoContent);
        var last = await _client.SignInAsync(parentEmail, resetPassword);
        secrets.AddRange([last.AccessToken, last.RefreshToken]);
        await (await _client.PostJsonAsync("/api/v1/auth/logout", new { refreshToken = last.RefreshToken }, last.AccessToken))
            .ExpectAsync(HttpStatusCode.NoContent);

        // A second guardian: a PIN 2 resend, and a mail server that rejects the address naming it in its reply.
        var rejectedEmail = $"Abgelehnt.{Guid.NewGuid().ToString("N")[..10]}@Example.org";
        emails.Add(rejectedEmail);
        factory.Smtp.Reject(rejectedEmail, (SmtpReplyCode)550, $"5.1.1 <{rejectedEmail}>: Recipient address rejected");
        var second = await _client.CreateChildWithGuardianAsync(facility, rejectedEmail, "Leon");
        await (await _client.PostJsonAsync(PinsPath(second), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        await (await _client.PostJsonAsync(PinsPath(second) + "/pin2", null, facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        await WaitForFailedDeliveryAsync(facility, second);
        await _client.WaitForDeliveryAsync(facility.AdminToken, guardian, "sent");

        // Staff account lifecycle: password change, reset by mail, logout, sessions ended, deactivation; a parent's sessions ended by the operator.
        var educatorEmail = staffEmails.Single(e => e.StartsWith("educator-", StringComparison.Ordinal));
        const string staffChanged = "Team-Kennwort-Geheim-Fuenf-5";
        secrets.Add(staffChanged);
        var staffChange = await (await _client.PostJsonAsync("/api/v1/staff/me/password",
            new { currentPassword = StaffApi.StaffPassword, newPassword = staffChanged }, facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        secrets.Add(staffChange.GetProperty("accessToken").GetString()!);
        await (await _client.PostJsonAsync("/api/v1/staff/auth/password-reset", new { email = educatorEmail })).ExpectAsync(HttpStatusCode.Accepted);
        var staffResetMail = await factory.Smtp.WaitForMessageAsync(educatorEmail, m => ResetCode().IsMatch(m.TextBody ?? ""));
        var staffResetCode = ResetCode().Match(staffResetMail.TextBody!).Value;
        secrets.Add(staffResetCode);
        const string staffReset = "Team-Zurueckgesetzt-Geheim-6";
        secrets.Add(staffReset);
        await (await _client.PostJsonAsync("/api/v1/staff/auth/password-reset/confirm", new { token = staffResetCode, newPassword = staffReset }))
            .ExpectAsync(HttpStatusCode.NoContent);
        var educatorToken = await _client.StaffTokenAsync(educatorEmail, staffReset);
        secrets.Add(educatorToken);
        await (await _client.PostJsonAsync("/api/v1/staff/auth/logout", null, educatorToken)).ExpectAsync(HttpStatusCode.NoContent);
        var team = (await (await _client.GetAsync("/api/v1/facility/staff", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK)).GetProperty("items");
        var educatorId = team.EnumerateArray().Single(s => s.GetProperty("email").GetString() == educatorEmail).GetProperty("id").GetGuid();
        await (await _client.PostJsonAsync($"/api/v1/facility/staff/{educatorId}/sessions/end", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.NoContent);
        await (await _client.PostJsonAsync($"/api/v1/facility/staff/{educatorId}/deactivate", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        await (await _client.PostJsonAsync("/api/v1/staff/auth/token", new { email = educatorEmail, password = staffReset })).ExpectAsync(HttpStatusCode.Unauthorized);
        await (await _client.PostJsonAsync($"/api/v1/facility/staff/{educatorId}/reactivate", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        await (await _client.PostJsonAsync("/api/v1/parent-accounts/sessions/end", new { email = parentEmail }, operatorToken)).ExpectAsync(HttpStatusCode.NoContent);

        // Second factor: setup (secret, key URI, QR code, recovery codes), two-step sign-ins with a code, a wrong code and a
        // recovery code, turning it off; staff of a facility that requires it get an enrolment token.
        var mfaSession = await _client.SignInAsync(parentEmail, resetPassword);
        secrets.AddRange([mfaSession.AccessToken, mfaSession.RefreshToken]);
        var started = await (await _client.PostJsonAsync(MfaTestSupport.ParentMfa + "/totp", null, mfaSession.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        var totpSecret = started.GetProperty("secret").GetString()!;
        secrets.AddRange([totpSecret, started.GetProperty("otpauthUri").GetString()!, started.GetProperty("qrCode").GetString()![^80..]]);
        var confirmed = await (await _client.PostJsonAsync(MfaTestSupport.ParentMfa + "/totp/confirm",
            new { code = factory.CurrentCode(totpSecret) }, mfaSession.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        var recoveryCodes = confirmed.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        secrets.AddRange(recoveryCodes);
        secrets.AddRange(recoveryCodes.Select(c => c.Replace("-", "", StringComparison.Ordinal)));
        factory.NextStep();
        var challenge = await _client.ChallengeAsync("/api/v1/auth/token", parentEmail, resetPassword);
        secrets.Add(challenge);
        await (await _client.CompleteAsync(MfaTestSupport.ParentComplete, challenge, factory.CurrentCode(totpSecret) == "000000" ? "111111" : "000000"))
            .ExpectAsync(HttpStatusCode.Unauthorized);
        var completed = await (await _client.CompleteAsync(MfaTestSupport.ParentComplete, challenge, factory.CurrentCode(totpSecret))).ExpectAsync(HttpStatusCode.OK);
        secrets.AddRange([completed.GetProperty("accessToken").GetString()!, completed.GetProperty("refreshToken").GetString()!]);
        var recoveryChallenge = await _client.ChallengeAsync("/api/v1/auth/token", parentEmail, resetPassword);
        secrets.Add(recoveryChallenge);
        var recovered = await (await _client.CompleteAsync(MfaTestSupport.ParentComplete, recoveryChallenge, recoveryCode: recoveryCodes[0])).ExpectAsync(HttpStatusCode.OK);
        secrets.AddRange([recovered.GetProperty("accessToken").GetString()!, recovered.GetProperty("refreshToken").GetString()!]);
        factory.NextStep();
        await (await _client.DeleteAsync(MfaTestSupport.ParentMfa + "/totp", mfaSession.AccessToken,
            new { password = resetPassword, code = factory.CurrentCode(totpSecret) })).ExpectAsync(HttpStatusCode.NoContent);
        await (await _client.SendJsonAsync(HttpMethod.Put, "/api/v1/facility/settings/mfa", new { requiredForStaff = true }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        var enrolment = await (await _client.PostJsonAsync("/api/v1/staff/auth/token", new { email = educatorEmail, password = staffReset }))
            .ExpectAsync(HttpStatusCode.Unauthorized);
        var enrolmentToken = enrolment.GetProperty("enrolmentToken").GetString()!;
        secrets.Add(enrolmentToken);
        var staffSetup = await factory.EnrolTotpAsync(_client, MfaTestSupport.StaffMfa, enrolmentToken);
        secrets.Add(staffSetup.Secret);
        secrets.AddRange(staffSetup.RecoveryCodes);
        var staffChallenge = await _client.ChallengeAsync("/api/v1/staff/auth/token", educatorEmail, staffReset);
        secrets.Add(staffChallenge);
        var staffSignIn = await (await _client.CompleteAsync(MfaTestSupport.StaffComplete, staffChallenge, factory.CurrentCode(staffSetup.Secret)))
            .ExpectAsync(HttpStatusCode.OK);
        secrets.Add(staffSignIn.GetProperty("accessToken").GetString()!);

        var logs = factory.Logs.AllText;
        // The capture really is at Trace: EF Core's command logging and the authentication handler are in it.
        Assert.Contains("Microsoft.EntityFrameworkCore.Database.Command", logs, StringComparison.Ordinal);
        Assert.Contains("Microsoft.AspNetCore.Authentication", logs, StringComparison.Ordinal);
        Assert.Contains(EmailAddress.Mask(rejectedEmail), logs, StringComparison.Ordinal);

        foreach (var secret in secrets.Distinct())
        {
            Assert.False(logs.Contains(secret, StringComparison.OrdinalIgnoreCase), $"A secret appears in the logs: {Describe(secret)}");
        }
        foreach (var token in secrets.Where(s => s.Count(c => c == '.') == 2))
        {
            // Neither the signature nor the payload of an access token, on its own.
            foreach (var part in token.Split('.')[1..])
            {
                Assert.DoesNotContain(part, logs, StringComparison.Ordinal);
            }
        }
        foreach (var email in emails)
        {
            Assert.False(logs.Contains(email, StringComparison.OrdinalIgnoreCase), $"An unmasked email appears in the logs: {EmailAddress.Mask(email)}");
            Assert.False(logs.Contains(email.Split('@')[0], StringComparison.OrdinalIgnoreCase), $"The local part of {EmailAddress.Mask(email)} appears in the logs");
        }
    }

    private static void AddPin(List<string> secrets, string formatted)
    {
        secrets.Add(formatted);
        secrets.Add(formatted.Replace("-", "", StringComparison.Ordinal));
    }

    private static string Describe(string secret) => secret.Length > 12 ? $"{secret[..4]}…({secret.Length} chars)" : $"({secret.Length} chars)";

    private async Task WaitForFailedDeliveryAsync(TestFacility facility, TestGuardian guardian)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!factory.Logs.Lines.Any(l => l.Contains("failed for good", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "The rejected PIN 2 mail was never reported as failed.");
            await Task.Delay(100);
        }
        await _client.WaitForDeliveryAsync(facility.AdminToken, guardian, "failed");
    }

    // SecretTokens: 32 random bytes, base64url without padding.
    [GeneratedRegex("(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")]
    private static partial Regex ResetCode();
}
