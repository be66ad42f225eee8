using System.Net;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Privacy;

/// <summary>Access and portability (GDPR Art. 15 and 20): the parent's own export and the facility's export of a guardian's data.</summary>
public sealed class DataExportTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task MyExport_HoldsAccountLinksWithChildrenAndFacilities_SessionsAndAuditEvents_AndNoSecret()
    {
        var first = await _client.CreateFacilityAsync("Kita Regenbogen");
        var second = await _client.CreateFacilityAsync("Kita Wolkenland");
        var email = ParentApi.UniqueEmail();
        var firstPins = await factory.IssuePinsAsync(email, first);
        var parent = await _client.RegisterAsync(email, firstPins);
        var siblingPins = await factory.IssuePinsAsync(email, second);
        await (await _client.LinkChildAsync(parent, siblingPins)).ExpectAsync(HttpStatusCode.Created);
        var phone = await _client.SignInAsync(email);
        var otherEmail = ParentApi.UniqueEmail();
        await _client.RegisterAsync(otherEmail, await factory.IssuePinsAsync(otherEmail, first));

        var response = await _client.GetAsync("/api/v1/me/export", phone.AccessToken);
        var export = await response.ExpectAsync(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(parent.AccountId, export.GetProperty("account").GetProperty("id").GetGuid());
        Assert.Equal(email, export.GetProperty("account").GetProperty("email").GetString());
        var links = export.GetProperty("links").EnumerateArray().ToList();
        Assert.Equal([firstPins.ChildId, siblingPins.ChildId], links.Select(l => l.GetProperty("childId").GetGuid()));
        Assert.Equal(["Kita Regenbogen", "Kita Wolkenland"], links.Select(l => l.GetProperty("facilityName").GetString()));
        Assert.All(links, l => Assert.Equal("Mia", l.GetProperty("firstName").GetString()));
        Assert.All(links, l => Assert.Equal("active", l.GetProperty("status").GetString()));
        var sessions = export.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.True(s.GetProperty("active").GetBoolean()));
        var actions = export.GetProperty("auditEvents").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains(AuditActions.AccountCreated, actions);
        Assert.Contains(AuditActions.LoginSucceeded, actions);
        Assert.Equal(2, actions.Count(a => a == AuditActions.ChildLinked));
        // Nothing secret, nothing of anybody else.
        foreach (var secret in new[] { ParentApi.Password, parent.AccessToken, parent.RefreshToken, phone.RefreshToken, firstPins.Pin1, firstPins.Pin2, siblingPins.Pin2, otherEmail })
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }
        Assert.DoesNotContain("passwordHash", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MyExport_AfterLogout_ShowsTheEndedSessions()
    {
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));
        await (await _client.PostJsonAsync("/api/v1/auth/logout", null, parent.AccessToken)).ExpectAsync(HttpStatusCode.NoContent);
        var now = await _client.SignInAsync(email);

        var export = await (await _client.GetAsync("/api/v1/me/export", now.AccessToken)).ExpectAsync(HttpStatusCode.OK);

        var sessions = export.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("active").GetBoolean()).ToList();
        Assert.Equal([false, true], sessions);
        Assert.Contains(export.GetProperty("auditEvents").EnumerateArray(), e => e.GetProperty("action").GetString() == AuditActions.LoggedOut);
    }

    [Fact]
    public async Task MyExport_IsForParentsOnly()
    {
        var facility = await factory.SharedFacilityAsync();
        await (await _client.GetAsync("/api/v1/me/export", facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await (await _client.GetAsync("/api/v1/me/export", token: null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task GuardianExport_HoldsTheGuardiansRecordsWithoutSecrets_AndIsAudited()
    {
        var facility = await _client.CreateFacilityAsync();
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email, facility);
        var wrongEmail = ParentApi.UniqueEmail();
        await (await _client.RegisterAsync(wrongEmail, pins.Pin1, pins.Pin2)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.EmailMismatch);
        var parent = await _client.RegisterAsync(email, pins);
        var guardian = new TestGuardian(facility.Id, pins.ChildId, pins.GuardianId, email);

        var response = await _client.GetAsync(GuardianPath(guardian) + "/export", facility.EducatorToken);
        var export = await response.ExpectAsync(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(email, export.GetProperty("guardian").GetProperty("email").GetString());
        Assert.Equal("Julia Schneider", export.GetProperty("guardian").GetProperty("name").GetString());
        Assert.Equal(pins.ChildId, export.GetProperty("child").GetProperty("id").GetGuid());
        var pair = Assert.Single(export.GetProperty("pinPairs").EnumerateArray());
        Assert.Equal("redeemed", pair.GetProperty("status").GetString());
        var attempt = Assert.Single(export.GetProperty("wrongEmailAttempts").EnumerateArray());
        Assert.Contains("***", attempt.GetProperty("maskedEmail").GetString(), StringComparison.Ordinal);
        Assert.Contains(export.GetProperty("mails").EnumerateArray(), m => m.GetProperty("kind").GetString() == "pin2" && m.GetProperty("recipient").GetString() == email);
        var linked = Assert.Single(export.GetProperty("linkedAccounts").EnumerateArray());
        Assert.Equal(parent.AccountId, linked.GetProperty("accountId").GetGuid());
        Assert.Contains(export.GetProperty("auditEvents").EnumerateArray(), e => e.GetProperty("action").GetString() == AuditActions.PinsCreated);
        // The audit trail names the address tried (as staff see it in the child's trail); the PINs appear nowhere.
        foreach (var secret in new[] { pins.Pin1, pins.Pin2, PinCompact(pins.Pin1), PinCompact(pins.Pin2) })
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }
        Assert.True(await factory.QueryDbAsync(db => db.AuditEvents.AnyAsync(e =>
            e.Action == AuditActions.GuardianExported && e.GuardianId == pins.GuardianId && e.FacilityId == facility.Id)));
    }

    private static string PinCompact(string pin) => pin.Replace("-", "", StringComparison.Ordinal);
}

/// <summary>A tight export limit, to see the 429.</summary>
public sealed class TightExportLimitFactory : KitaLinkFactory
{
    public const int Limit = 2;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:ExportPerAccount:Limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

public sealed class DataExportLimitTests(TightExportLimitFactory factory) : IClassFixture<TightExportLimitFactory>
{
    [Fact]
    public async Task MyExport_IsRateLimitedPerAccount()
    {
        var client = factory.CreateClient();
        var email = ParentApi.UniqueEmail();
        var parent = await client.RegisterAsync(email, await factory.IssuePinsAsync(email));
        for (var i = 0; i < TightExportLimitFactory.Limit; i++)
        {
            await (await client.GetAsync("/api/v1/me/export", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        }

        var limited = await client.GetAsync("/api/v1/me/export", parent.AccessToken);

        await limited.ExpectProblemAsync(HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        Assert.True(limited.Headers.RetryAfter is not null);
        // Another account has its own budget.
        var otherEmail = ParentApi.UniqueEmail();
        var other = await client.RegisterAsync(otherEmail, await factory.IssuePinsAsync(otherEmail));
        await (await client.GetAsync("/api/v1/me/export", other.AccessToken)).ExpectAsync(HttpStatusCode.OK);
    }
}
