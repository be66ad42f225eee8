using System.Net;
using System.Text.Json;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;

namespace KitaLink.IntegrationTests.Security;

/// <summary>
/// Every authentication success and failure (parent and staff sign-in, refresh, reuse of a refresh token,
/// logout), every lockout, PIN redemption, failed PIN attempt and link leaves an audit event with the time,
/// the actor, the target and the client address (as forwarded by the trusted proxy). None carries a secret.
/// </summary>
public sealed class AuthenticationAuditTests(LockoutAfterThreeFactory factory) : IClassFixture<LockoutAfterThreeFactory>
{
    private const string WrongPassword = "Not-The-Password-2026";
    private const string Pin = "ABCD-EFGH";

    private readonly List<string> _secrets = [WrongPassword, ParentApi.Password, StaffApi.StaffPassword];

    /// <summary>A client behind the trusted proxy with an address of its own, and that address.</summary>
    private (HttpClient Client, string Address) NewClient()
    {
        var address = SecurityFactory.UniqueAddress();
        return (factory.ClientBehindProxy(address), address);
    }

    private async Task<List<AuditEvent>> EventsAsync(string address) =>
        await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.ClientAddress == address).OrderBy(e => e.Id).ToListAsync());

    /// <summary>The one event of <paramref name="action"/> from <paramref name="address"/>, stamped with the service clock.</summary>
    private async Task<AuditEvent> SingleEventAsync(string address, string action, AuditActorType actor)
    {
        var events = await EventsAsync(address);
        var matching = events.Where(e => e.Action == action).ToList();
        Assert.True(matching.Count == 1, $"Expected one {action} from {address}, found: {string.Join(", ", events.Select(e => e.Action))}");
        var found = matching[0];
        Assert.Equal(actor, found.ActorType);
        Assert.Equal(Micro(factory.Time.GetUtcNow()), found.OccurredAt);
        foreach (var secret in _secrets)
        {
            Assert.DoesNotContain(secret, found.Data ?? "", StringComparison.OrdinalIgnoreCase);
        }
        return found;
    }

    private static Dictionary<string, string> Data(AuditEvent e) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(e.Data ?? "{}")!;

    private async Task<ParentSession> NewParentAsync()
    {
        var email = ParentApi.UniqueEmail();
        return await factory.CreateClient().RegisterAsync(email, await factory.IssuePinsAsync(email));
    }

    [Fact]
    public async Task ParentSignIn_SuccessFailureUnknownAndLockout_AreAudited()
    {
        var parent = await NewParentAsync();
        var (client, address) = NewClient();
        await client.SignInAsync(parent.Email, parent.Password);
        var succeeded = await SingleEventAsync(address, AuditActions.LoginSucceeded, AuditActorType.Anonymous);
        Assert.Equal(parent.AccountId, succeeded.AccountId);

        (client, address) = NewClient();
        await (await client.LoginAsync(parent.Email, WrongPassword)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        var failed = await SingleEventAsync(address, AuditActions.LoginFailed, AuditActorType.Anonymous);
        Assert.Equal(parent.AccountId, failed.AccountId);
        Assert.Equal("wrong_password", Data(failed)["reason"]);

        (client, address) = NewClient();
        var unknownEmail = $"probe@{Guid.NewGuid():N}.example";
        await (await client.LoginAsync(unknownEmail, WrongPassword)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        var unknown = await SingleEventAsync(address, AuditActions.LoginFailed, AuditActorType.Anonymous);
        Assert.Null(unknown.AccountId);
        Assert.Equal("unknown_account", Data(unknown)["reason"]);
        // Someone else's address, perhaps: kept only masked.
        Assert.Equal(EmailAddress.Mask(unknownEmail), unknown.ActorName);

        (client, address) = NewClient();
        for (var i = 1; i < LockoutAfterThreeFactory.MaxFailedLogins; i++)
        {
            await (await client.LoginAsync(parent.Email, WrongPassword)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        }
        var locked = await SingleEventAsync(address, AuditActions.LoginLockedOut, AuditActorType.Anonymous);
        Assert.Equal(parent.AccountId, locked.AccountId);

        (client, address) = NewClient();
        await (await client.LoginAsync(parent.Email, parent.Password)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        var whileLocked = await SingleEventAsync(address, AuditActions.LoginFailed, AuditActorType.Anonymous);
        Assert.Equal("locked_out", Data(whileLocked)["reason"]);
    }

    [Fact]
    public async Task StaffSignIn_SuccessFailureUnknownAndLockout_AreAudited()
    {
        var facility = await factory.SharedFacilityAsync();
        var email = $"erzieher-{Guid.NewGuid():N}@test.kitalink.example";
        var created = await (await factory.CreateClient().PostJsonAsync("/api/v1/facility/staff",
            new { email, displayName = "Emil Erzieher", password = StaffApi.StaffPassword, role = "educator" }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        var staffId = created.GetProperty("id").GetGuid().ToString();

        var (client, address) = NewClient();
        await client.StaffTokenAsync(email, StaffApi.StaffPassword);
        var succeeded = await SingleEventAsync(address, AuditActions.LoginSucceeded, AuditActorType.Anonymous);
        Assert.Equal(facility.Id, succeeded.FacilityId);
        Assert.Equal(staffId, Data(succeeded)["staffId"]);

        (client, address) = NewClient();
        for (var i = 0; i < LockoutAfterThreeFactory.MaxFailedLogins; i++)
        {
            await (await client.PostJsonAsync("/api/v1/staff/auth/token", new { email, password = WrongPassword }))
                .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        }
        var events = await EventsAsync(address);
        Assert.Equal([AuditActions.LoginFailed, AuditActions.LoginFailed, AuditActions.LoginLockedOut], events.Select(e => e.Action));
        Assert.All(events, e =>
        {
            Assert.Equal(staffId, Data(e)["staffId"]);
            Assert.Equal("wrong_password", Data(e)["reason"]);
            Assert.Equal(facility.Id, e.FacilityId);
        });

        (client, address) = NewClient();
        await (await client.PostJsonAsync("/api/v1/staff/auth/token", new { email, password = StaffApi.StaffPassword }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        Assert.Equal("locked_out", Data(await SingleEventAsync(address, AuditActions.LoginFailed, AuditActorType.Anonymous))["reason"]);

        (client, address) = NewClient();
        var unknownEmail = $"probe@{Guid.NewGuid():N}.example";
        await (await client.PostJsonAsync("/api/v1/staff/auth/token", new { email = unknownEmail, password = WrongPassword }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        var unknown = await SingleEventAsync(address, AuditActions.LoginFailed, AuditActorType.Anonymous);
        Assert.Equal("unknown_account", Data(unknown)["reason"]);
        Assert.Equal(EmailAddress.Mask(unknownEmail), unknown.ActorName);
        Assert.Null(unknown.FacilityId);
    }

    [Fact]
    public async Task Refresh_SuccessFailureAndReuse_AndLogout_AreAudited()
    {
        var parent = await NewParentAsync();
        var (client, address) = NewClient();
        var refreshed = await (await client.RefreshAsync(parent.RefreshToken)).ExpectAsync(HttpStatusCode.OK);
        _secrets.Add(parent.RefreshToken);
        _secrets.Add(refreshed.GetProperty("refreshToken").GetString()!);
        Assert.Equal(parent.AccountId, (await SingleEventAsync(address, AuditActions.TokenRefreshed, AuditActorType.Anonymous)).AccountId);

        (client, address) = NewClient();
        var unknownToken = SecretTokens.Generate();
        _secrets.Add(unknownToken);
        await (await client.RefreshAsync(unknownToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        Assert.Equal("unknown_token", Data(await SingleEventAsync(address, AuditActions.RefreshFailed, AuditActorType.Anonymous))["reason"]);

        (client, address) = NewClient();
        await (await client.RefreshAsync(parent.RefreshToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        Assert.Equal(parent.AccountId, (await SingleEventAsync(address, AuditActions.RefreshReuseDetected, AuditActorType.Anonymous)).AccountId);

        // The family is revoked now: its newest token is refused as revoked.
        (client, address) = NewClient();
        await (await client.RefreshAsync(refreshed.GetProperty("refreshToken").GetString()!)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        var revoked = await SingleEventAsync(address, AuditActions.RefreshFailed, AuditActorType.Anonymous);
        Assert.Equal(parent.AccountId, revoked.AccountId);
        Assert.Equal("revoked", Data(revoked)["reason"]);

        var session = await factory.CreateClient().SignInAsync(parent.Email, parent.Password);
        (client, address) = NewClient();
        await (await client.PostJsonAsync("/api/v1/auth/logout", null, session.AccessToken)).ExpectAsync(HttpStatusCode.NoContent);
        var loggedOut = await SingleEventAsync(address, AuditActions.LoggedOut, AuditActorType.Parent);
        Assert.Equal(parent.AccountId, loggedOut.ActorId);
        Assert.Equal(parent.AccountId, loggedOut.AccountId);
    }

    [Fact]
    public async Task PasswordResetRequests_ForKnownAndUnknownEmails_AreBothAudited()
    {
        var parent = await NewParentAsync();
        var (client, address) = NewClient();
        await (await client.PostJsonAsync("/api/v1/auth/password-reset", new { email = parent.Email })).ExpectAsync(HttpStatusCode.Accepted);
        var known = await SingleEventAsync(address, AuditActions.PasswordResetRequested, AuditActorType.Anonymous);
        Assert.Equal(parent.AccountId, known.AccountId);
        Assert.Equal("true", Data(known)["mailed"]);

        (client, address) = NewClient();
        var unknownEmail = $"probe@{Guid.NewGuid():N}.example";
        await (await client.PostJsonAsync("/api/v1/auth/password-reset", new { email = unknownEmail })).ExpectAsync(HttpStatusCode.Accepted);
        var unknown = await SingleEventAsync(address, AuditActions.PasswordResetRequested, AuditActorType.Anonymous);
        Assert.Null(unknown.AccountId);
        Assert.Equal(EmailAddress.Mask(unknownEmail), unknown.ActorName);
        Assert.Equal(("false", "unknown_account"), (Data(unknown)["mailed"], Data(unknown)["reason"]));
    }

    [Fact]
    public async Task Redemption_FailedAttemptsLockAndLink_AreAuditedWithPairChildAndAddress()
    {
        var facility = await factory.SharedFacilityAsync();
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email, facility);
        _secrets.AddRange([pins.Pin1, pins.Pin2, pins.Pin1.Replace("-", ""), pins.Pin2.Replace("-", "")]);
        var pair = await factory.PinPairOfAsync(pins);
        var wrongPin2 = pins.Pin2 == Pin ? "WXYZ-WXYZ" : Pin;

        var (client, address) = NewClient();
        await (await client.RegisterAsync(email, "WXYZ-2345", pins.Pin2)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        var unknownPin1 = await SingleEventAsync(address, AuditActions.PinsAttemptFailed, AuditActorType.Anonymous);
        Assert.Equal("unknown_pin1", Data(unknownPin1)["reason"]);
        Assert.Null(unknownPin1.PinPairId);

        (client, address) = NewClient();
        await (await client.RegisterAsync(email, pins.Pin1, wrongPin2)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        var wrong = await SingleEventAsync(address, AuditActions.PinsAttemptFailed, AuditActorType.Anonymous);
        Assert.Equal((pair.Id, pins.ChildId, pins.GuardianId, (Guid?)facility.Id), (wrong.PinPairId!.Value, wrong.ChildId!.Value, wrong.GuardianId!.Value, wrong.FacilityId));
        Assert.Equal("wrong_pin2", Data(wrong)["reason"]);

        // Attempts two to five; the fifth locks the pair.
        (client, address) = NewClient();
        for (var i = 2; i <= 5; i++)
        {
            await client.RegisterAsync(email, pins.Pin1, wrongPin2);
        }
        var locked = await SingleEventAsync(address, AuditActions.PinsLocked, AuditActorType.Anonymous);
        Assert.Equal(pair.Id, locked.PinPairId);
        await (await client.RegisterAsync(email, pins.Pin1, pins.Pin2)).ExpectProblemAsync(HttpStatusCode.Locked, ErrorCodes.PinsLocked);

        // A fresh pair: registration redeems and links.
        var fresh = await factory.CreatePinsAsync(factory.CreateClient(), facility, new TestGuardian(facility.Id, pins.ChildId, pins.GuardianId, email));
        _secrets.AddRange([fresh.Pin1, fresh.Pin2]);
        (client, address) = NewClient();
        var parent = await client.RegisterAsync(email, fresh);
        var freshPair = await factory.PinPairOfAsync(fresh);
        foreach (var action in new[] { AuditActions.AccountCreated, AuditActions.PinsRedeemed, AuditActions.ChildLinked })
        {
            var e = await SingleEventAsync(address, action, AuditActorType.Anonymous);
            Assert.Equal(parent.AccountId, e.AccountId);
            Assert.Equal(pins.ChildId, e.ChildId);
            Assert.Equal(facility.Id, e.FacilityId);
        }
        Assert.Equal(freshPair.Id, (await SingleEventAsync(address, AuditActions.PinsRedeemed, AuditActorType.Anonymous)).PinPairId);

        // A signed-in parent links a sibling: the parent is the actor.
        var sibling = await factory.IssuePinsAsync(email, facility);
        (client, address) = NewClient();
        await (await client.LinkChildAsync(parent, sibling)).ExpectAsync(HttpStatusCode.Created);
        var linked = await SingleEventAsync(address, AuditActions.ChildLinked, AuditActorType.Parent);
        Assert.Equal(parent.AccountId, linked.ActorId);
        Assert.Equal(sibling.ChildId, linked.ChildId);

        // Correct PINs that cannot link any more are recorded too, without counting against anything.
        (client, address) = NewClient();
        await (await client.LinkChildAsync(parent, sibling)).ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.PinsAlreadyUsed);
        var used = await SingleEventAsync(address, AuditActions.PinsAttemptFailed, AuditActorType.Parent);
        Assert.Equal(("pins_already_used", "false"), (Data(used)["reason"], Data(used)["counted"]));
    }
}
