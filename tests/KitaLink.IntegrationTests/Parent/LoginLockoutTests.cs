using System.Net;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Parent;

/// <summary>A deployment with a low lockout threshold, so the tests stay short.</summary>
public sealed class LockoutFactory : KitaLinkFactory
{
    public const int MaxFailedLogins = 3;
    public const int LockoutMinutes = 15;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Passwords:MaxFailedLogins"] = MaxFailedLogins.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Passwords:LockoutMinutes"] = LockoutMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Per-account login lockout: locked looks exactly like a wrong password, and ends after the lockout time or a reset.</summary>
public sealed class LoginLockoutTests(LockoutFactory factory) : IClassFixture<LockoutFactory>
{
    private const string WrongPassword = "Not-The-Password-2026";
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<ParentSession> NewParentAsync()
    {
        var email = ParentApi.UniqueEmail();
        return await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));
    }

    private async Task<JsonElement> FailLoginAsync(string email, string password) =>
        await (await _client.LoginAsync(email, password)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);

    private static string Shape(JsonElement problem) =>
        string.Join("|", problem.EnumerateObject()
            .Where(p => p.Name is not ("traceId" or "instance"))
            .Select(p => $"{p.Name}={p.Value}"));

    [Fact]
    public async Task Login_AfterTooManyFailures_IsLockedWithTheSameAnswerAsAWrongPassword_UntilTheLockoutEnds()
    {
        var parent = await NewParentAsync();
        var wrongPassword = await FailLoginAsync(parent.Email, WrongPassword);
        for (var i = 1; i < LockoutFactory.MaxFailedLogins; i++)
        {
            await FailLoginAsync(parent.Email, WrongPassword);
        }

        var locked = await FailLoginAsync(parent.Email, parent.Password);
        var unknown = await FailLoginAsync(ParentApi.UniqueEmail(), parent.Password);

        Assert.Equal(Shape(wrongPassword), Shape(locked));
        Assert.Equal(Shape(wrongPassword), Shape(unknown));

        factory.Time.Advance(TimeSpan.FromMinutes(LockoutFactory.LockoutMinutes) - TimeSpan.FromSeconds(5));
        await FailLoginAsync(parent.Email, parent.Password);
        factory.Time.Advance(TimeSpan.FromSeconds(10));
        await _client.SignInAsync(parent.Email, parent.Password);
    }

    [Fact]
    public async Task Login_SuccessResetsTheFailureCount()
    {
        var parent = await NewParentAsync();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 1; i < LockoutFactory.MaxFailedLogins; i++)
            {
                await FailLoginAsync(parent.Email, WrongPassword);
            }
            await _client.SignInAsync(parent.Email, parent.Password);
        }
    }

    [Fact]
    public async Task ParallelWrongPasswords_AllCount()
    {
        var parent = await NewParentAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, LockoutFactory.MaxFailedLogins)
            .Select(_ => _client.LoginAsync(parent.Email, WrongPassword)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        await FailLoginAsync(parent.Email, parent.Password);
    }

    [Fact]
    public async Task WrongPasswordsInsideASession_CountTowardsTheLockout()
    {
        var parent = await NewParentAsync();
        for (var i = 0; i < LockoutFactory.MaxFailedLogins; i++)
        {
            await (await _client.DeleteAsync("/api/v1/me", parent.AccessToken, new { password = WrongPassword }))
                .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        }

        // Even the right password no longer deletes or changes anything while locked.
        await (await _client.DeleteAsync("/api/v1/me", parent.AccessToken, new { password = parent.Password }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        await FailLoginAsync(parent.Email, parent.Password);
        await (await _client.GetAsync("/api/v1/me", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task PasswordReset_LiftsALockout()
    {
        var parent = await NewParentAsync();
        for (var i = 0; i < LockoutFactory.MaxFailedLogins; i++)
        {
            await FailLoginAsync(parent.Email, WrongPassword);
        }
        await FailLoginAsync(parent.Email, parent.Password);

        var code = await PasswordResetTests.RequestResetCodeAsync(factory, _client, parent.Email);
        await (await _client.PostJsonAsync("/api/v1/auth/password-reset/confirm", new { token = code, newPassword = "Regenbogen-Leuchtturm-77" }))
            .ExpectAsync(HttpStatusCode.NoContent);

        await _client.SignInAsync(parent.Email, "Regenbogen-Leuchtturm-77");
    }
}
