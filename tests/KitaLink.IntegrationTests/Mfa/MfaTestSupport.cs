using System.Net;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;
using OtpNet;

namespace KitaLink.IntegrationTests.Mfa;

/// <summary>A confirmed TOTP setup: the secret as the authenticator app got it, and the recovery codes shown once.</summary>
public sealed record TotpSetup(string Secret, IReadOnlyList<string> RecoveryCodes);

/// <summary>The second factor through the real endpoints, with codes computed by Otp.NET as an authenticator app would.</summary>
public static class MfaTestSupport
{
    public const string ParentMfa = "/api/v1/me/mfa";
    public const string StaffMfa = "/api/v1/staff/me/mfa";
    public const string ParentComplete = "/api/v1/auth/token/mfa";
    public const string StaffComplete = "/api/v1/staff/auth/token/mfa";

    /// <summary>The code an authenticator app shows at the service's current (test) time.</summary>
    public static string CurrentCode(this KitaLinkFactory factory, string secret) =>
        new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(factory.Time.GetUtcNow().UtcDateTime);

    /// <summary>Moves the clock to the next 30-second step, so the next code is a new one (the last one is used up).</summary>
    public static void NextStep(this KitaLinkFactory factory) => factory.Time.Advance(TimeSpan.FromSeconds(30));

    /// <summary>Starts the setup, confirms it with the current code and moves to the next step.</summary>
    public static async Task<TotpSetup> EnrolTotpAsync(this KitaLinkFactory factory, HttpClient client, string mfaPath, string token)
    {
        var started = await (await client.PostJsonAsync(mfaPath + "/totp", null, token)).ExpectAsync(HttpStatusCode.OK);
        var secret = started.GetProperty("secret").GetString()!;
        var confirmed = await (await client.PostJsonAsync(mfaPath + "/totp/confirm", new { code = factory.CurrentCode(secret) }, token))
            .ExpectAsync(HttpStatusCode.OK);
        factory.NextStep();
        return new TotpSetup(secret, [.. confirmed.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!)]);
    }

    /// <summary>Signs in with the password and expects <c>mfa_required</c>; returns the challenge.</summary>
    public static async Task<string> ChallengeAsync(this HttpClient client, string tokenPath, string email, string password)
    {
        var problem = await (await client.PostJsonAsync(tokenPath, new { email, password }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.MfaRequired);
        return problem.GetProperty("challenge").GetString()!;
    }

    public static Task<HttpResponseMessage> CompleteAsync(
        this HttpClient client, string completePath, string challenge, string? code = null, string? recoveryCode = null) =>
        client.PostJsonAsync(completePath, new { challenge, code, recoveryCode });
}
