using System.Net;
using System.Text.Json;
using KitaLink.IntegrationTests.Infrastructure;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Pins;

/// <summary>A deployment that shortens the validity of PIN pairs to 3 days.</summary>
public sealed class ShortValidityFactory : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Pins:ValidityDays"] = "3" };
}

public sealed class PinExpiryTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task PendingPair_ShowsAsExpiredAfter14Days_WithoutPin1()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var created = await (await _client.PostJsonAsync(PinsPath(guardian), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var expiresAt = created.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.Equal(Micro(factory.Time.GetUtcNow()).AddDays(14), expiresAt);

        factory.Time.Advance(TimeSpan.FromDays(15));
        // Staff tokens live an hour; sign in again on the moved clock.
        var token = await NewAdminTokenAsync(facility);

        var pin = await _client.PinViewAsync(token, guardian);
        Assert.Equal("expired", pin.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, pin.GetProperty("pin1").ValueKind);
        Assert.Equal(expiresAt, pin.GetProperty("endedAt").GetDateTimeOffset());
        await (await _client.GetAsync(PinsPath(guardian) + "/letter", token)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.PostJsonAsync(PinsPath(guardian) + "/pin2", null, token)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await _client.DeleteAsync(PinsPath(guardian), token)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");

        // New PINs for the guardian work again as usual.
        var renewed = await (await _client.PostJsonAsync(PinsPath(guardian), null, token)).ExpectAsync(HttpStatusCode.Created);
        var view = await _client.PinViewAsync(token, guardian);
        Assert.Equal("pending", view.GetProperty("status").GetString());
        Assert.Equal(renewed.GetProperty("pin1").GetString(), view.GetProperty("pin1").GetString());
    }

    private async Task<string> NewAdminTokenAsync(TestFacility facility)
    {
        var operatorToken = await _client.OperatorTokenAsync();
        var email = UniqueEmail("admin");
        await (await _client.PostJsonAsync($"/api/v1/facilities/{facility.Id}/staff",
            new { email, displayName = "Neue Leitung", password = StaffApi.StaffPassword }, operatorToken)).ExpectAsync(HttpStatusCode.Created);
        return await _client.StaffTokenAsync(email, StaffApi.StaffPassword);
    }
}

public sealed class ConfiguredValidityTests(ShortValidityFactory factory) : IClassFixture<ShortValidityFactory>
{
    [Fact]
    public async Task Validity_FollowsPinsValidityDays()
    {
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        var guardian = await client.CreateChildWithGuardianAsync(facility, UniqueEmail());
        var pins = await factory.CreatePinsAsync(client, facility, guardian);
        Assert.Equal(Micro(factory.Time.GetUtcNow()).AddDays(3), pins.ExpiresAt);
        var mail = await factory.Smtp.WaitForMessageAsync(guardian.Email);
        Assert.Contains(Api.Infrastructure.Email.KitaTime.GermanDate(pins.ExpiresAt), mail.TextBody);
    }
}
