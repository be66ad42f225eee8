using System.Net;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Pins;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;

namespace KitaLink.IntegrationTests.AddressCheck;

/// <summary>Registrations with both PINs right and another email show up, masked, in the guardian's help desk view.</summary>
public sealed class WrongEmailAttemptsTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task CorrectPinsWithAnotherEmail_ShowTheMaskedAddressAndTime_NeverTheFullAddress()
    {
        var facility = await factory.SharedFacilityAsync();
        var local = $"eltern.{Guid.NewGuid():N}"[..20];
        var guardian = await _client.CreateChildWithGuardianAsync(facility, $"{local}@gmail.com");
        var pins = await factory.CreatePinsAsync(_client, facility, guardian);
        var tried = $"{local}@googlemail.com";

        await (await _client.RegisterAsync(tried, pins.Pin1, pins.Pin2)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "email_mismatch");
        var triedAt = factory.Time.GetUtcNow();

        var view = await _client.GuardianViewAsync(facility.AdminToken, guardian);
        var attempt = Assert.Single(view.GetProperty("pin").GetProperty("wrongEmailAttempts").EnumerateArray());
        Assert.Equal("el***@googlemail.com", attempt.GetProperty("maskedEmail").GetString());
        Assert.Equal(Micro(triedAt), attempt.GetProperty("attemptedAt").GetDateTimeOffset());
        Assert.DoesNotContain(tried, view.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await factory.WithDbAsync(db => db.WrongEmailAttempts.CountAsync(a => a.MaskedEmail.Contains(local))));

        // The audit trail staff read carries the same masked address, and no stored event holds the full one.
        var events = await (await _client.GetAsync($"/api/v1/facility/children/{guardian.ChildId}/events", facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("el***@googlemail.com", events.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(tried, events.GetRawText(), StringComparison.OrdinalIgnoreCase);
        var fullAddress = $"%{local}@googlemail%";
        Assert.Equal(0, await factory.WithDbAsync(db => db.Database
            .SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM audit_events WHERE data::text ILIKE {fullAddress}").SingleAsync()));
    }

    [Fact]
    public async Task WrongPin2_IsNoWrongEmailAttempt()
    {
        var facility = await factory.SharedFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());
        var pins = await factory.CreatePinsAsync(_client, facility, guardian);
        var wrongPin2 = pins.Pin2 == "2222-2222" ? "3333-3333" : "2222-2222";

        await (await _client.RegisterAsync("someone.else@example.org", pins.Pin1, wrongPin2)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "pins_invalid");

        var pin = await _client.PinViewAsync(facility.AdminToken, guardian);
        Assert.Equal(1, pin.GetProperty("failedAttempts").GetInt32());
        Assert.Equal(0, pin.GetProperty("wrongEmailAttempts").GetArrayLength());
    }

    [Fact]
    public async Task NewPinsForTheGuardian_StartWithoutAttempts_AndTheAttemptsGoWithTheirPair()
    {
        var facility = await factory.SharedFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());
        var pins = await factory.CreatePinsAsync(_client, facility, guardian);
        await (await _client.RegisterAsync(ParentApi.UniqueEmail(), pins.Pin1, pins.Pin2)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "email_mismatch");
        var oldPair = (await factory.PinPairOfAsync(pins)).Id;

        await factory.CreatePinsAsync(_client, facility, guardian);
        Assert.Equal(0, (await _client.PinViewAsync(facility.AdminToken, guardian)).GetProperty("wrongEmailAttempts").GetArrayLength());

        // The attempts are part of the pair's secrets: when the pair row goes, they go with it.
        Assert.Equal(1, await factory.WithDbAsync(db => db.WrongEmailAttempts.CountAsync(a => a.PinPairId == oldPair)));
        await factory.WithDbAsync(db => db.PinPairs.Where(p => p.Id == oldPair).ExecuteDeleteAsync());
        Assert.Equal(0, await factory.WithDbAsync(db => db.WrongEmailAttempts.CountAsync(a => a.PinPairId == oldPair)));
    }
}
