using System.Net;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.IntegrationTests.Parent;

/// <summary>
/// <c>POST /api/v1/accounts</c>: the first linking case, and every answer of the PIN checks
/// (the same <c>PinRedemption</c> serves <c>POST /me/children</c>).
/// </summary>
public sealed class RegistrationTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Task<PinPair> PairOfAsync(TestPins pins) => factory.PinPairOfAsync(pins);

    private static string WrongPin(string pin) => pin[0] == 'A' ? "B" + pin[1..] : "A" + pin[1..];

    [Fact]
    public async Task Register_WithCorrectPinsAndEmail_CreatesAccountLinksChildAndSignsIn()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);

        var response = await _client.RegisterAsync(email, pins.Pin1, pins.Pin2);

        var body = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("/api/v1/me", response.Headers.Location?.OriginalString);
        var account = body.GetProperty("account");
        Assert.Equal(email, account.GetProperty("email").GetString());
        Assert.Equal(1, account.GetProperty("childrenCount").GetInt32());
        var child = body.GetProperty("child");
        Assert.Equal(pins.ChildId, child.GetProperty("id").GetGuid());
        Assert.Equal("active", child.GetProperty("status").GetString());
        Assert.Equal("active", child.GetProperty("linkStatus").GetString());
        Assert.False(string.IsNullOrEmpty(child.GetProperty("facility").GetProperty("name").GetString()));
        var tokens = body.GetProperty("tokens");
        Assert.Equal("Bearer", tokens.GetProperty("tokenType").GetString());
        Assert.True(tokens.GetProperty("expiresIn").GetInt32() > 0);

        // The tokens work at once, and the child is visible.
        var accessToken = tokens.GetProperty("accessToken").GetString();
        var children = await _client.MyChildrenAsync(accessToken!);
        Assert.Equal(pins.ChildId, Assert.Single(children).GetProperty("id").GetGuid());

        var pair = await PairOfAsync(pins);
        Assert.Equal(PinPairState.Redeemed, pair.State);
        Assert.Equal(account.GetProperty("id").GetGuid(), pair.RedeemedByAccountId);
        var actions = await factory.QueryDbAsync(db => db.AuditEvents.Where(e => e.PinPairId == pair.Id || e.AccountId == pair.RedeemedByAccountId)
            .Select(e => e.Action).ToListAsync());
        Assert.Contains(AuditActions.PinsRedeemed, actions);
        Assert.Contains(AuditActions.ChildLinked, actions);
        Assert.Contains(AuditActions.AccountCreated, actions);
    }

    [Fact]
    public async Task Register_AcceptsPinsInLowerCaseWithSpacesAndWithoutDash()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);
        var pin1 = " " + pins.Pin1.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal);
        var pin2 = pins.Pin2.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

        await (await _client.RegisterAsync(email, pin1, pin2)).ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("  {0}  ")]
    [InlineData("{1}")]
    public async Task Register_WithEmailDifferingOnlyInCaseOrSurroundingWhitespace_Succeeds(string template)
    {
        var email = ParentApi.UniqueEmail(prefix: "Eltern.Mueller");
        var pins = await factory.IssuePinsAsync(email);
        var typed = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, email, email.ToUpperInvariant());

        var body = await (await _client.RegisterAsync(typed, pins.Pin1, pins.Pin2)).ExpectAsync(HttpStatusCode.Created);
        // Signing in works with the address in any letter case.
        await _client.SignInAsync(email.ToLowerInvariant());
        Assert.Equal(typed.Trim(), body.GetProperty("account").GetProperty("email").GetString());
    }

    [Fact]
    public async Task Register_WithUnknownPin1_ReturnsPinsInvalid()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);

        await (await _client.RegisterAsync(email, WrongPin(pins.Pin1), pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        Assert.Equal(0, (await PairOfAsync(pins)).FailedAttempts);
    }

    [Theory]
    [InlineData("ABCD-EFG")]
    [InlineData("ABCD-EFGHJ")]
    [InlineData("ABCD-EFG0")]
    [InlineData("ABCD-EFGI")]
    [InlineData("ABCD_EFGH")]
    public async Task Register_WithMalformedPin_ReturnsPinsInvalid(string malformed)
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);

        await (await _client.RegisterAsync(email, malformed, pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        await (await _client.RegisterAsync(email, pins.Pin1, malformed))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
    }

    [Fact]
    public async Task Register_WithWrongPin2_CountsAttemptAndReturnsPinsInvalid()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);

        var wrongPin2 = await (await _client.RegisterAsync(email, pins.Pin1, WrongPin(pins.Pin2)))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        var unknownPin1 = await (await _client.RegisterAsync(email, WrongPin(pins.Pin1), pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);

        // A stranger cannot tell a known PIN 1 from an unknown one.
        Assert.Equal(unknownPin1.GetProperty("title").GetString(), wrongPin2.GetProperty("title").GetString());
        Assert.Equal(unknownPin1.GetProperty("detail").GetString(), wrongPin2.GetProperty("detail").GetString());
        Assert.False(wrongPin2.TryGetProperty("emailHint", out _));
        var pair = await PairOfAsync(pins);
        Assert.Equal(1, pair.FailedAttempts);
        Assert.Equal(PinPairState.Pending, pair.State);
        Assert.True(await factory.QueryDbAsync(db => db.AuditEvents.AnyAsync(e => e.PinPairId == pair.Id && e.Action == AuditActions.PinsAttemptFailed)));
    }

    [Theory]
    [InlineData("gmail.com", "{0}@googlemail.com")]
    [InlineData("googlemail.com", "{0}@gmail.com")]
    [InlineData("gmail.com", "{1}@gmail.com")]
    [InlineData("gmail.com", "{0}+kita@gmail.com")]
    [InlineData("web.de", "{0}@web.com")]
    public async Task Register_WithOtherEmail_CountsAttemptAndReturnsEmailMismatchWithMaskedHint(string domain, string variant)
    {
        var local = "eltern.mueller" + Guid.NewGuid().ToString("N")[..6];
        var onFile = $"{local}@{domain}";
        var pins = await factory.IssuePinsAsync(onFile);
        var typed = string.Format(System.Globalization.CultureInfo.InvariantCulture, variant, local, local.Replace(".", "", StringComparison.Ordinal));

        var problem = await (await _client.RegisterAsync(typed, pins.Pin1, pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.EmailMismatch);

        Assert.Equal($"el***@{domain}", problem.GetProperty("emailHint").GetString());
        Assert.DoesNotContain(local, problem.GetRawText(), StringComparison.OrdinalIgnoreCase);
        var pair = await PairOfAsync(pins);
        Assert.Equal(1, pair.FailedAttempts);
        Assert.Equal(PinPairState.Pending, pair.State);
        // The right address still works afterwards.
        await (await _client.RegisterAsync(onFile, pins.Pin1, pins.Pin2)).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Register_WithUsedPins_ReturnsPinsAlreadyUsed()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);
        await _client.RegisterAsync(email, pins);

        await (await _client.RegisterAsync(email, pins.Pin1, pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.PinsAlreadyUsed);
        // With a wrong PIN 2 nothing about the pair is revealed.
        await (await _client.RegisterAsync(email, pins.Pin1, WrongPin(pins.Pin2)))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
    }

    [Fact]
    public async Task Register_WithRevokedPins_ReturnsPinsExpired()
    {
        var email = ParentApi.UniqueEmail();
        var facility = await factory.SharedFacilityAsync();
        var child = await _client.CreateChildWithGuardianAsync(facility, email);
        var first = await factory.CreatePinsAsync(_client, facility, child);
        // A new pair revokes the guardian's previous pending one.
        var second = await factory.CreatePinsAsync(_client, facility, child);

        await (await _client.RegisterAsync(email, first.Pin1, first.Pin2))
            .ExpectProblemAsync(HttpStatusCode.Gone, ErrorCodes.PinsExpired);
        await (await _client.RegisterAsync(email, second.Pin1, second.Pin2)).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Register_WithPinsTheFacilityRevoked_ReturnsPinsExpired()
    {
        var email = ParentApi.UniqueEmail();
        var facility = await factory.SharedFacilityAsync();
        var pins = await factory.IssuePinsAsync(email, facility);

        await (await _client.DeleteAsync($"/api/v1/facility/children/{pins.ChildId}/guardians/{pins.GuardianId}/pins", facility.AdminToken))
            .ExpectAsync(HttpStatusCode.NoContent);

        await (await _client.RegisterAsync(email, pins.Pin1, pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.Gone, ErrorCodes.PinsExpired);
    }

    [Fact]
    public async Task Register_AfterTheFacilityCorrectedTheGuardianEmail_OldPinsAreExpired_NewPinsMatchTheNewAddress()
    {
        var typo = ParentApi.UniqueEmail(domain: "gmial.com");
        var corrected = typo.Replace("gmial.com", "gmail.com", StringComparison.Ordinal);
        var facility = await factory.SharedFacilityAsync();
        // The facility kept the mistyped address against the address check (staff confirmed it).
        var pins = await factory.IssuePinsAsync(typo, facility, confirmSuspectEmail: true);
        await (await _client.PatchJsonAsync($"/api/v1/facility/children/{pins.ChildId}/guardians/{pins.GuardianId}",
            new { email = corrected }, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);

        await (await _client.RegisterAsync(corrected, pins.Pin1, pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.Gone, ErrorCodes.PinsExpired);

        var fresh = await factory.CreatePinsAsync(_client, facility, new TestGuardian(facility.Id, pins.ChildId, pins.GuardianId, corrected));
        var mismatch = await (await _client.RegisterAsync(typo, fresh.Pin1, fresh.Pin2))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.EmailMismatch);
        Assert.EndsWith("@gmail.com", mismatch.GetProperty("emailHint").GetString(), StringComparison.Ordinal);
        await (await _client.RegisterAsync(corrected, fresh.Pin1, fresh.Pin2)).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Register_PinsAndPasswordAppearInNoLogLine()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);
        const string password = "Geheimes-Kennwort-Zum-Loggen-2026";

        await _client.RegisterAsync(email, pins.Pin1, WrongPin(pins.Pin2), password);
        await _client.RegisterAsync("other@example.org", pins.Pin1, pins.Pin2, password);
        await (await _client.RegisterAsync(email, pins.Pin1, pins.Pin2, password)).ExpectAsync(HttpStatusCode.Created);

        var logs = factory.Logs.AllText;
        foreach (var secret in new[] { pins.Pin1, pins.Pin2, pins.Pin1.Replace("-", "", StringComparison.Ordinal), pins.Pin2.Replace("-", "", StringComparison.Ordinal), password })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.OrdinalIgnoreCase);
        }
        var auditData = await factory.QueryDbAsync(db => db.AuditEvents.Where(e => e.Data != null).Select(e => e.Data!).ToListAsync());
        Assert.DoesNotContain(auditData, d => d.Contains(pins.Pin2, StringComparison.OrdinalIgnoreCase) || d.Contains(password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Register_AfterTheValidityPeriod_ReturnsPinsExpired()
    {
        var facility = await factory.SharedFacilityAsync();
        var (emailA, emailB) = (ParentApi.UniqueEmail(), ParentApi.UniqueEmail());
        var pinsA = await factory.IssuePinsAsync(emailA, facility);
        var pinsB = await factory.IssuePinsAsync(emailB, facility);

        factory.Time.Advance(pinsA.ExpiresAt - factory.Time.GetUtcNow() - TimeSpan.FromMinutes(1));
        await (await _client.RegisterAsync(emailA, pinsA.Pin1, pinsA.Pin2)).ExpectAsync(HttpStatusCode.Created);

        factory.Time.Advance(TimeSpan.FromMinutes(2));
        await (await _client.RegisterAsync(emailB, pinsB.Pin1, pinsB.Pin2))
            .ExpectProblemAsync(HttpStatusCode.Gone, ErrorCodes.PinsExpired);
        // An expired pair does not count attempts (staff keep seeing "expired", not "locked").
        await (await _client.RegisterAsync(emailB, pinsB.Pin1, WrongPin(pinsB.Pin2)))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        Assert.Equal(0, (await PairOfAsync(pinsB)).FailedAttempts);
    }

    [Fact]
    public async Task Register_AfterFiveFailedAttempts_ReturnsPinsLockedEvenWithCorrectPins()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);
        for (var i = 0; i < PinPair.MaxFailedAttempts; i++)
        {
            await (await _client.RegisterAsync(email, pins.Pin1, WrongPin(pins.Pin2)))
                .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        }

        await (await _client.RegisterAsync(email, pins.Pin1, pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.Locked, ErrorCodes.PinsLocked);
        var pair = await PairOfAsync(pins);
        Assert.Equal(PinPairState.Locked, pair.State);
        Assert.True(await factory.QueryDbAsync(db => db.AuditEvents.AnyAsync(e => e.PinPairId == pair.Id && e.Action == AuditActions.PinsLocked)));
    }

    [Fact]
    public async Task Register_WhenTheFifthFailureIsAnEmailMismatch_ReturnsPinsLocked()
    {
        var email = ParentApi.UniqueEmail(domain: "gmail.com");
        var pins = await factory.IssuePinsAsync(email);
        for (var i = 1; i < PinPair.MaxFailedAttempts; i++)
        {
            await (await _client.RegisterAsync(email.Replace("gmail", "googlemail", StringComparison.Ordinal), pins.Pin1, pins.Pin2))
                .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.EmailMismatch);
        }

        await (await _client.RegisterAsync("other@example.org", pins.Pin1, pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.Locked, ErrorCodes.PinsLocked);
        await (await _client.RegisterAsync(email, pins.Pin1, pins.Pin2))
            .ExpectProblemAsync(HttpStatusCode.Locked, ErrorCodes.PinsLocked);
    }

    [Fact]
    public async Task Register_WhenAnAccountExists_ReturnsAccountExistsOnlyAfterCorrectPins_AndLeavesThePairUsable()
    {
        var email = ParentApi.UniqueEmail();
        var facility = await factory.SharedFacilityAsync();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email, facility));
        var sibling = await factory.IssuePinsAsync(email, facility);

        await (await _client.RegisterAsync(email, sibling.Pin1, WrongPin(sibling.Pin2)))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);
        await (await _client.RegisterAsync(email.ToUpperInvariant(), sibling.Pin1, sibling.Pin2))
            .ExpectProblemAsync(HttpStatusCode.Conflict, ErrorCodes.AccountExists);

        Assert.Equal(PinPairState.Pending, (await PairOfAsync(sibling)).State);
        await (await _client.LinkChildAsync(parent, sibling)).ExpectAsync(HttpStatusCode.Created);
    }

    public static TheoryData<string, string> InvalidPasswords => new()
    {
        { "short", "Kurz-2026" },
        { "common", "password1234" },
        { "common, other case", "PASSWORD1234" },
        { "empty", "" },
    };

    [Theory]
    [MemberData(nameof(InvalidPasswords))]
    public async Task Register_WithUnacceptablePassword_ReturnsValidationFailed_AndLeavesPairUntouched(string reason, string password)
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email);

        var problem = await (await _client.RegisterAsync(email, pins.Pin1, pins.Pin2, password))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);

        Assert.True(problem.HasFieldError("password"), reason);
        Assert.Equal(PinPairState.Pending, (await PairOfAsync(pins)).State);
    }

    [Fact]
    public async Task Register_WithMissingFields_ReturnsValidationFailedPerField()
    {
        var response = await _client.PostJsonAsync("/api/v1/accounts", new { email = "not-an-email", password = ParentApi.Password });
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        Assert.True(problem.HasFieldError("email"));
        Assert.True(problem.HasFieldError("pin1"));
        Assert.True(problem.HasFieldError("pin2"));
        Assert.False(problem.HasFieldError("password"));
    }

    [Fact]
    public async Task Register_ErrorsInGerman_WhenTheClientAsksForGerman()
    {
        var email = ParentApi.UniqueEmail(domain: "gmail.com");
        var pins = await factory.IssuePinsAsync(email);

        var response = await _client.RegisterAsync(email.Replace("gmail", "googlemail", StringComparison.Ordinal), pins.Pin1, pins.Pin2,
            language: "de-DE,de;q=0.9,en;q=0.5");

        var problem = await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.EmailMismatch);
        var entry = ErrorCatalog.Get(ErrorCodes.EmailMismatch);
        Assert.Equal(entry.DetailDe, problem.GetProperty("detail").GetString());
        Assert.Equal(entry.TitleDe, problem.GetProperty("title").GetString());
        Assert.Equal("de", response.Content.Headers.ContentLanguage.Single());
    }
}
