using System.Net;
using System.Text.Json;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Links;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SmtpServer.Protocol;
using UglyToad.PdfPig;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Pins;

public sealed class PinsApiTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Letter_AskedForAsPdf_AnswersErrorsAsProblemDetails_NotWith500()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());

        async Task<HttpResponseMessage> LetterAsPdfAsync(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, PinsPath(guardian) + "/letter");
            request.Headers.Accept.ParseAdd("application/pdf");
            if (token is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }
            return await _client.SendAsync(request);
        }

        // No pair yet: 404; no token: 401 — both as problem details although the client asked for a PDF.
        await (await LetterAsPdfAsync(facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await LetterAsPdfAsync(null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");

        await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var letter = await LetterAsPdfAsync(facility.AdminToken);
        Assert.Equal(HttpStatusCode.OK, letter.StatusCode);
        Assert.Equal("application/pdf", letter.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CreatePins_Returns201WithPin1_AndEmailsPin2ButNeverPin1()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var now = Micro(factory.Time.GetUtcNow());

        var response = await _client.PostJsonAsync(PinsPath(guardian), null, facility.EducatorToken);
        var created = await response.ExpectAsync(HttpStatusCode.Created);
        var pin1 = created.GetProperty("pin1").GetString()!;
        Assert.True(IsPinFormat(pin1), pin1);
        Assert.Equal(now.AddDays(14), created.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(PinsPath(guardian) + "/letter", created.GetProperty("letterUrl").GetString());
        Assert.Equal(created.GetProperty("letterUrl").GetString(), response.Headers.Location?.OriginalString);
        Assert.Equal("queued", created.GetProperty("pin2Delivery").GetProperty("status").GetString());
        Assert.False(created.TryGetProperty("pin2", out _));

        var mail = await factory.Smtp.WaitForMailAsync(guardian.Email, created.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid());
        var pin2 = StaffApi.Pin2Of(mail);
        Assert.True(IsPinFormat(pin2), pin2);
        Assert.NotEqual(pin1, pin2);
        var whole = mail.Subject + mail.TextBody + mail.HtmlBody;
        Assert.DoesNotContain(pin1, whole);
        Assert.DoesNotContain(pin1.Replace("-", ""), whole);

        var delivery = await _client.WaitForDeliveryAsync(facility.AdminToken, guardian, "sent");
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(guardian.Email, delivery.GetProperty("recipient").GetString());
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("reason").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, delivery.GetProperty("sentAt").ValueKind);

        var pin = await _client.PinViewAsync(facility.EducatorToken, guardian);
        Assert.Equal("pending", pin.GetProperty("status").GetString());
        Assert.Equal(pin1, pin.GetProperty("pin1").GetString());
        Assert.Equal(now.AddDays(14), pin.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(0, pin.GetProperty("failedAttempts").GetInt32());
        Assert.DoesNotContain(pin2, (await _client.GuardianViewAsync(facility.AdminToken, guardian)).ToString());
    }

    [Fact]
    public async Task Pin1_UsesTheAlphabet_AndIsUniqueOverManyPairs()
    {
        var facility = await _client.CreateFacilityAsync();
        var pins = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
            for (var j = 0; j < 8; j++)
            {
                var created = await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
                pins.Add(created.GetProperty("pin1").GetString()!);
            }
        }
        Assert.All(pins, p => Assert.True(IsPinFormat(p), p));
        Assert.All(pins, p => Assert.DoesNotContain(p.Replace("-", ""), c => "01IO".Contains(c)));
        Assert.Equal(pins.Count, pins.Distinct().Count());
        // 40 pins of 8 characters: every alphabet character has shown up at least once with overwhelming probability.
        Assert.Equal(PinCodes.Alphabet.Length, pins.SelectMany(p => p.Replace("-", "")).Distinct().Count());
    }

    [Fact]
    public async Task NewPair_RevokesThePreviousPendingPair()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var first = await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var second = await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var oldPin1 = first.GetProperty("pin1").GetString()!;
        var newPin1 = second.GetProperty("pin1").GetString()!;

        var view = await _client.GuardianViewAsync(facility.AdminToken, guardian);
        Assert.Equal(newPin1, view.GetProperty("pin").GetProperty("pin1").GetString());
        Assert.DoesNotContain(oldPin1, view.ToString());

        var oldPair = await factory.WithDbAsync(db => db.PinPairs.SingleAsync(p => p.Id == first.GetProperty("pinPairId").GetGuid()));
        Assert.Equal(PinPairState.Revoked, oldPair.State);
        Assert.Equal(PinRevocationReason.Replaced, oldPair.RevocationReason);
        Assert.Equal(1, await factory.WithDbAsync(db => db.PinPairs.CountAsync(p => p.GuardianId == guardian.GuardianId && p.State == PinPairState.Pending)));

        var revoked = await factory.WithDbAsync(db => db.AuditEvents.SingleAsync(e => e.PinPairId == oldPair.Id && e.Action == AuditActions.PinsRevoked));
        Assert.Contains("\"replaced\"", revoked.Data);
    }

    [Fact]
    public async Task ConcurrentPinCreation_LeavesExactlyOnePendingPair()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, r.StatusCode.ToString()));
        Assert.Equal(1, await factory.WithDbAsync(db => db.PinPairs.CountAsync(p => p.GuardianId == guardian.GuardianId && p.State == PinPairState.Pending)));
    }

    [Fact]
    public async Task EmailChange_RevokesThePendingPair()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail("tippfehler"));
        var created = await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var pin1 = created.GetProperty("pin1").GetString()!;

        var view = await (await _client.PatchJsonAsync(GuardianPath(guardian), new { email = UniqueEmail("richtig") }, facility.EducatorToken))
            .ExpectAsync(HttpStatusCode.OK);
        var pin = view.GetProperty("pin");
        Assert.Equal("revoked", pin.GetProperty("status").GetString());
        Assert.Equal("email_changed", pin.GetProperty("revocationReason").GetString());
        Assert.Equal(JsonValueKind.Null, pin.GetProperty("pin1").ValueKind);
        Assert.Equal(JsonValueKind.Null, pin.GetProperty("expiresAt").ValueKind);
        Assert.DoesNotContain(pin1, view.ToString());

        await (await _client.GetAsync(PinsPath(guardian) + "/letter", facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.PostJsonAsync(PinsPath(guardian) + "/pin2", null, facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");

        var actions = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.GuardianId == guardian.GuardianId).Select(e => e.Action).ToListAsync());
        Assert.Contains(AuditActions.GuardianEmailChanged, actions);
        Assert.Contains(AuditActions.PinsRevoked, actions);
    }

    [Fact]
    public async Task NameChange_KeepsThePendingPair()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var created = await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var view = await (await _client.PatchJsonAsync(GuardianPath(guardian), new { name = "Julia Y.", email = guardian.Email }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("pending", view.GetProperty("pin").GetProperty("status").GetString());
        Assert.Equal(created.GetProperty("pin1").GetString(), view.GetProperty("pin").GetProperty("pin1").GetString());
    }

    [Fact]
    public async Task Revoke_EndsThePendingPair_AndIs404WhenNoneIsPending()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        await (await _client.DeleteAsync(PinsPath(guardian), facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);

        var response = await _client.DeleteAsync(PinsPath(guardian), facility.EducatorToken);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var pin = await _client.PinViewAsync(facility.AdminToken, guardian);
        Assert.Equal("revoked", pin.GetProperty("status").GetString());
        Assert.Equal("revoked_by_staff", pin.GetProperty("revocationReason").GetString());
        Assert.Equal(JsonValueKind.Null, pin.GetProperty("pin1").ValueKind);
        Assert.Equal(Micro(factory.Time.GetUtcNow()), pin.GetProperty("endedAt").GetDateTimeOffset());
        await (await _client.DeleteAsync(PinsPath(guardian), facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.GetAsync(PinsPath(guardian) + "/letter", facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task LockedAndRedeemedPairs_AreShownWithFailedAttemptsAndLinkedAccounts()
    {
        var facility = await _client.CreateFacilityAsync();
        var locked = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail("gesperrt"));
        var redeemed = await _client.CreateChildWithGuardianAsync(facility, "Julia.Schneider@Example.com");
        await (await _client.PostJsonAsync(PinsPath(locked), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        await (await _client.PostJsonAsync(PinsPath(redeemed), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var now = Micro(factory.Time.GetUtcNow());

        // Redemption and failed attempts belong to the parent side; here they are applied with the entity methods.
        await factory.WithDbAsync(async db =>
        {
            var lockedPair = await db.PinPairs.SingleAsync(p => p.GuardianId == locked.GuardianId);
            for (var i = 0; i < PinPair.MaxFailedAttempts; i++)
            {
                lockedPair.RecordFailedAttempt(now);
            }
            var pair = await db.PinPairs.SingleAsync(p => p.GuardianId == redeemed.GuardianId);
            var account = new ParentAccount(" julia.schneider@example.com ", now);
            db.ParentAccounts.Add(account);
            pair.Redeem(account.Id, now);
            db.ChildLinks.Add(new ChildLink(account.Id, redeemed.ChildId, redeemed.GuardianId, pair.Id, now));
            await db.SaveChangesAsync();
        });

        var lockedPin = await _client.PinViewAsync(facility.AdminToken, locked);
        Assert.Equal("locked", lockedPin.GetProperty("status").GetString());
        Assert.Equal(PinPair.MaxFailedAttempts, lockedPin.GetProperty("failedAttempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, lockedPin.GetProperty("pin1").ValueKind);
        await (await _client.GetAsync(PinsPath(locked) + "/letter", facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");

        var profile = await (await _client.GetAsync($"/api/v1/facility/children/{redeemed.ChildId}", facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        var view = profile.GetProperty("guardians").EnumerateArray().Single();
        Assert.Equal("redeemed", view.GetProperty("pin").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("pin").GetProperty("pin1").ValueKind);
        var link = view.GetProperty("links").EnumerateArray().Single();
        Assert.Equal("julia.schneider@example.com", link.GetProperty("accountEmail").GetString());
        Assert.Equal("Julia.Schneider@Example.com", view.GetProperty("email").GetString());
        Assert.Equal(now, link.GetProperty("linkedAt").GetDateTimeOffset());
        Assert.Equal("active", link.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Pin2Resend_KeepsPin1AndTheLetter_ReplacesPin2_AndIsRateLimitedPerGuardian()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var pins = await factory.CreatePinsAsync(_client, facility, guardian);
        var before = await factory.WithDbAsync(db => db.PinPairs.AsNoTracking().SingleAsync(p => p.GuardianId == guardian.GuardianId));

        var resent = await (await _client.PostJsonAsync(PinsPath(guardian) + "/pin2", null, facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(pins.ExpiresAt, resent.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal("queued", resent.GetProperty("pin2Delivery").GetProperty("status").GetString());
        var newPin2 = StaffApi.Pin2Of(await factory.Smtp.WaitForMailAsync(guardian.Email, resent.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid()));

        var after = await factory.WithDbAsync(db => db.PinPairs.AsNoTracking().SingleAsync(p => p.GuardianId == guardian.GuardianId));
        var protector = factory.Services.GetRequiredService<PinProtector>();
        Assert.Equal(before.Id, after.Id);
        Assert.Equal(before.Pin1Lookup, after.Pin1Lookup);
        Assert.True(protector.Pin2Matches(PinCodes.Normalize(newPin2)!, after.Pin2Hash!, after.HashKeyVersion));
        if (newPin2 != pins.Pin2)
        {
            Assert.False(protector.Pin2Matches(PinCodes.Normalize(pins.Pin2)!, after.Pin2Hash!, after.HashKeyVersion));
        }
        Assert.Equal(Micro(resent.GetProperty("pin2Delivery").GetProperty("queuedAt").GetDateTimeOffset()), after.Pin2IssuedAt);

        var pin = await _client.PinViewAsync(facility.AdminToken, guardian);
        Assert.Equal(pins.Pin1, pin.GetProperty("pin1").GetString());
        Assert.Equal("pending", pin.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(PinsPath(guardian) + "/letter", facility.AdminToken)).StatusCode);

        for (var i = 1; i < 3; i++)
        {
            await (await _client.PostJsonAsync(PinsPath(guardian) + "/pin2", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        }
        var limited = await _client.PostJsonAsync(PinsPath(guardian) + "/pin2", null, facility.AdminToken);
        await limited.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 3600);

        // Another guardian of the facility is not affected by this guardian's limit.
        var sibling = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        await (await _client.PostJsonAsync(PinsPath(sibling), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        await (await _client.PostJsonAsync(PinsPath(sibling) + "/pin2", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);

        factory.Time.Advance(TimeSpan.FromSeconds(retryAfter));
        await (await _client.PostJsonAsync(PinsPath(guardian) + "/pin2", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(pins.Pin1, (await _client.PinViewAsync(facility.AdminToken, guardian)).GetProperty("pin1").GetString());
    }

    [Fact]
    public async Task Pin2Resend_WithoutPendingPair_Returns404()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        await (await _client.PostJsonAsync(PinsPath(guardian) + "/pin2", null, facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Letter_IsAPdfWithPin1ExpiryAndGuardianEmail_GermanByDefault_EnglishOnRequest()
    {
        var facility = await _client.CreateFacilityAsync("Kita Sonnenblume");
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail("brief"), "Emma");
        var created = await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var pin1 = created.GetProperty("pin1").GetString()!;
        var expiresAt = created.GetProperty("expiresAt").GetDateTimeOffset();
        var letterUrl = created.GetProperty("letterUrl").GetString()!;

        var german = await LetterTextAsync(letterUrl, facility.EducatorToken, null);
        Assert.Contains(pin1, german);
        Assert.Contains(guardian.Email, german);
        Assert.Contains("Kita Sonnenblume", german);
        Assert.Contains("Emma Schneider", german);
        Assert.Contains(Api.Infrastructure.Email.KitaTime.GermanDate(expiresAt), german);
        Assert.Contains("gültig bis", german);

        var english = await LetterTextAsync(letterUrl + "?lang=en", facility.AdminToken, null);
        Assert.Contains(pin1, english);
        Assert.Contains(guardian.Email, english);
        Assert.Contains("valid until", english);
        Assert.Contains(Api.Infrastructure.Email.KitaTime.EnglishDate(expiresAt), english);

        Assert.Contains("valid until", await LetterTextAsync(letterUrl, facility.AdminToken, "en-GB,en;q=0.9"));
        Assert.Contains("gültig bis", await LetterTextAsync(letterUrl, facility.AdminToken, "fr-FR"));
        Assert.Contains("gültig bis", await LetterTextAsync(letterUrl + "?lang=de", facility.AdminToken, "en"));

        var invalid = await (await _client.GetAsync(letterUrl + "?lang=fr", facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(invalid, "lang");

        var downloads = await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.GuardianId == guardian.GuardianId && e.Action == AuditActions.PinsLetterDownloaded));
        Assert.Equal(5, downloads);
    }

    [Fact]
    public async Task Letter_WithoutPendingPair_Returns404()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        await (await _client.GetAsync(PinsPath(guardian) + "/letter", facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData(550, "5.1.1 <{0}>: Recipient address rejected: User unknown")]
    [InlineData(552, "5.2.2 <{0}>: Mailbox full")]
    public async Task PermanentSmtpRejection_ShowsAsFailedWithTheServersReason(int code, string replyFormat)
    {
        var facility = await _client.CreateFacilityAsync();
        var email = UniqueEmail("abgelehnt");
        var guardian = await _client.CreateChildWithGuardianAsync(facility, email);
        var reply = string.Format(System.Globalization.CultureInfo.InvariantCulture, replyFormat, email);
        factory.Smtp.Reject(email, (SmtpReplyCode)code, reply);

        await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var delivery = await _client.WaitForDeliveryAsync(facility.EducatorToken, guardian, "failed");
        Assert.Equal(code, delivery.GetProperty("replyCode").GetInt32());
        Assert.Contains(reply.Split(": ", 2)[1], delivery.GetProperty("reason").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, delivery.GetProperty("lastAttemptAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("sentAt").ValueKind);
        // The pair itself stays pending: staff fix the address (which revokes it) or resend.
        Assert.Equal("pending", (await _client.PinViewAsync(facility.AdminToken, guardian)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Pins_AreStoredAsTheSpecDemands_Pin1EncryptedPin2OnlyHashed()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var pins = await factory.CreatePinsAsync(_client, facility, guardian);

        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT * FROM pin_pairs WHERE guardian_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = guardian.GuardianId });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var row = new List<string>();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var value = reader.GetValue(i);
            row.Add(value is byte[] bytes ? Convert.ToHexString(bytes) + System.Text.Encoding.UTF8.GetString(bytes) : value.ToString() ?? "");
        }
        var stored = string.Join('|', row);
        foreach (var pin in new[] { pins.Pin1, pins.Pin2 })
        {
            Assert.DoesNotContain(pin, stored, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(pin.Replace("-", ""), stored, StringComparison.OrdinalIgnoreCase);
        }
        var pin1Protected = reader.GetString(reader.GetOrdinal("pin1protected"));
        Assert.True(pin1Protected.Length > 40, "PIN 1 must be stored encrypted");
        Assert.Equal(32, ((byte[])reader["pin2hash"]).Length);
    }

    [Fact]
    public async Task NoPinEverAppearsInAuditDataOrLogs_AndTheTrailNamesTheActor()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var pins = await factory.CreatePinsAsync(_client, facility, guardian);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(PinsPath(guardian) + "/letter", facility.AdminToken)).StatusCode);
        var resent = await (await _client.PostJsonAsync(PinsPath(guardian) + "/pin2", null, facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        var resentPin2 = StaffApi.Pin2Of(await factory.Smtp.WaitForMailAsync(guardian.Email, resent.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid()));
        await _client.WaitForDeliveryAsync(facility.AdminToken, guardian, "sent");
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync(PinsPath(guardian), facility.AdminToken)).StatusCode);

        var trail = await (await _client.GetAsync($"/api/v1/facility/children/{guardian.ChildId}/events", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var items = trail.GetProperty("items").EnumerateArray().ToList();
        var actions = items.Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(AuditActions.PinsRevoked, actions[0]);
        foreach (var expected in new[]
                 {
                     AuditActions.ChildCreated, AuditActions.GuardianCreated, AuditActions.PinsCreated,
                     AuditActions.PinsLetterDownloaded, AuditActions.Pin2Reissued, AuditActions.PinsRevoked,
                 })
        {
            Assert.Contains(expected, actions);
        }
        var reissued = items.First(e => e.GetProperty("action").GetString() == AuditActions.Pin2Reissued);
        Assert.Equal("Eva Educator", reissued.GetProperty("actor").GetProperty("name").GetString());
        Assert.Equal(guardian.GuardianId, reissued.GetProperty("guardianId").GetGuid());
        var createdEvent = items.First(e => e.GetProperty("action").GetString() == AuditActions.PinsCreated);
        Assert.Equal("Anna Admin", createdEvent.GetProperty("actor").GetProperty("name").GetString());
        Assert.Equal(guardian.Email, createdEvent.GetProperty("data").GetProperty("pin2SentTo").GetString());

        var allAuditData = string.Join('\n', await factory.WithDbAsync(db => db.AuditEvents.Select(e => e.Data).ToListAsync()));
        var logs = factory.Logs.AllText;
        foreach (var secret in new[] { pins.Pin1, pins.Pin2, resentPin2 })
        {
            foreach (var form in new[] { secret, secret.Replace("-", "") })
            {
                Assert.DoesNotContain(form, trail.ToString());
                Assert.DoesNotContain(form, allAuditData);
                Assert.DoesNotContain(form, logs);
            }
        }
    }

    [Fact]
    public async Task Events_ArePagedNewestFirst()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        for (var i = 0; i < 3; i++)
        {
            await (await _client.PatchJsonAsync($"/api/v1/facility/children/{guardian.ChildId}", new { group = $"Gruppe {i}" }, facility.AdminToken))
                .ExpectAsync(HttpStatusCode.OK);
        }
        var path = $"/api/v1/facility/children/{guardian.ChildId}/events";
        var all = await (await _client.GetAsync(path, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var ids = all.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(5, ids.Count);
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal(JsonValueKind.Null, all.GetProperty("nextCursor").ValueKind);

        var paged = new List<long>();
        string? cursor = null;
        do
        {
            var page = await (await _client.GetAsync($"{path}?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}", facility.AdminToken))
                .ExpectAsync(HttpStatusCode.OK);
            paged.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(ids, paged);

        var problem = await (await _client.GetAsync($"{path}?limit=0", facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(problem, "limit");
    }

    private async Task<string> LetterTextAsync(string url, string token, string? acceptLanguage)
    {
        var response = await _client.GetAsync(url, token, acceptLanguage);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        using var pdf = PdfDocument.Open(bytes);
        var page = pdf.GetPage(1);
        Assert.InRange(page.Width, 594, 596);
        Assert.InRange(page.Height, 841, 843);
        return string.Join('\n', pdf.GetPages().Select(p => string.Join(' ', p.GetWords().Select(w => w.Text))));
    }
}
