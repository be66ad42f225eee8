using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Pins;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>A signed-in parent: the account and a real access and refresh token from the parent API.</summary>
public sealed record ParentSession(Guid AccountId, string Email, string Password, string AccessToken, string RefreshToken);

/// <summary>HTTP helpers for the parent side: registration, sign-in, refresh and linking, through the real endpoints.</summary>
public static class ParentApi
{
    public const string Password = "Sonnenblumen-Gartenzaun-2026";

    /// <summary>An address no other test uses, e.g. <c>eltern.3f2a…@example.org</c>.</summary>
    public static string UniqueEmail(string domain = "example.org", string prefix = "eltern") =>
        $"{prefix}.{Guid.NewGuid().ToString("N")[..12]}@{domain}";

    private static readonly ConditionalWeakTable<KitaLinkFactory, StrongBox<(TestFacility Facility, DateTimeOffset CreatedAt)>> s_shared = new();
    private static readonly SemaphoreSlim s_sharedLock = new(1, 1);

    /// <summary>
    /// One facility per test class for tests that only need "some facility" (creating one costs several
    /// password hashes). Made anew once the test clock has moved so far that its staff tokens expired.
    /// </summary>
    public static async Task<TestFacility> SharedFacilityAsync(this KitaLinkFactory factory)
    {
        await s_sharedLock.WaitAsync();
        try
        {
            var now = factory.Time.GetUtcNow();
            if (s_shared.TryGetValue(factory, out var box) && now >= box.Value.CreatedAt && now - box.Value.CreatedAt < TimeSpan.FromMinutes(30))
            {
                return box.Value.Facility;
            }
            var facility = await factory.CreateClient().CreateFacilityAsync();
            s_shared.AddOrUpdate(factory, new StrongBox<(TestFacility, DateTimeOffset)>((facility, now)));
            return facility;
        }
        finally
        {
            s_sharedLock.Release();
        }
    }

    /// <summary>
    /// A child with one guardian of <paramref name="guardianEmail"/> at the facility (the shared one unless given),
    /// and its PINs: PIN 1 as staff got it, PIN 2 from the mail at the SMTP peer.
    /// </summary>
    public static async Task<TestPins> IssuePinsAsync(this KitaLinkFactory factory, string guardianEmail, TestFacility? facility = null,
        bool confirmSuspectEmail = false)
    {
        var client = factory.CreateClient();
        facility ??= await factory.SharedFacilityAsync();
        var guardian = await client.CreateChildWithGuardianAsync(facility, guardianEmail, confirmSuspectEmail: confirmSuspectEmail);
        return await factory.CreatePinsAsync(client, facility, guardian);
    }

    public static Task<HttpResponseMessage> RegisterAsync(
        this HttpClient client, string email, string pin1, string pin2, string password = Password, string? language = null) =>
        client.PostJsonAsync("/api/v1/accounts", new { email, password, pin1, pin2 }, language: language);

    /// <summary>Registers with the pins (expects 201) and returns the session.</summary>
    public static async Task<ParentSession> RegisterAsync(this HttpClient client, string email, TestPins pins, string password = Password)
    {
        var body = await (await client.RegisterAsync(email, pins.Pin1, pins.Pin2, password)).ExpectAsync(HttpStatusCode.Created);
        var tokens = body.GetProperty("tokens");
        return new ParentSession(
            body.GetProperty("account").GetProperty("id").GetGuid(),
            email,
            password,
            tokens.GetProperty("accessToken").GetString()!,
            tokens.GetProperty("refreshToken").GetString()!);
    }

    public static Task<HttpResponseMessage> LoginAsync(this HttpClient client, string email, string password, string? language = null) =>
        client.PostJsonAsync("/api/v1/auth/token", new { email, password }, language: language);

    /// <summary>Signs in (expects 200) and returns the session.</summary>
    public static async Task<ParentSession> SignInAsync(this HttpClient client, string email, string password = Password)
    {
        var body = await (await client.LoginAsync(email, password)).ExpectAsync(HttpStatusCode.OK);
        var me = await (await client.GetAsync("/api/v1/me", body.GetProperty("accessToken").GetString())).ExpectAsync(HttpStatusCode.OK);
        return new ParentSession(
            me.GetProperty("id").GetGuid(),
            email,
            password,
            body.GetProperty("accessToken").GetString()!,
            body.GetProperty("refreshToken").GetString()!);
    }

    public static Task<HttpResponseMessage> RefreshAsync(this HttpClient client, string refreshToken) =>
        client.PostJsonAsync("/api/v1/auth/refresh", new { refreshToken });

    public static Task<HttpResponseMessage> LinkChildAsync(
        this HttpClient client, string accessToken, string pin1, string pin2, Guid? replacesChildId = null, string? language = null) =>
        client.PostJsonAsync("/api/v1/me/children", new { pin1, pin2, replacesChildId }, accessToken, language);

    public static Task<HttpResponseMessage> LinkChildAsync(this HttpClient client, ParentSession parent, TestPins pins, Guid? replacesChildId = null) =>
        client.LinkChildAsync(parent.AccessToken, pins.Pin1, pins.Pin2, replacesChildId);

    /// <summary>The children the parent sees (<c>GET /me/children</c>).</summary>
    public static async Task<List<JsonElement>> MyChildrenAsync(this HttpClient client, string accessToken, bool includeArchived = false)
    {
        var path = includeArchived ? "/api/v1/me/children?includeArchived=true" : "/api/v1/me/children";
        var body = await (await client.GetAsync(path, accessToken)).ExpectAsync(HttpStatusCode.OK);
        return [.. body.GetProperty("items").EnumerateArray()];
    }

    /// <summary>The stored pair of <paramref name="pins"/>, found by PIN 1 as the service finds it (under every configured hash key).</summary>
    public static async Task<PinPair> PinPairOfAsync(this KitaLinkFactory factory, TestPins pins)
    {
        var lookups = factory.Services.GetRequiredService<PinProtector>().Pin1Lookups(PinCodes.Normalize(pins.Pin1)!);
        var hashes = lookups.Hashes;
        var found = await factory.QueryDbAsync(db => db.PinPairs.AsNoTracking().Where(p => hashes.Contains(p.Pin1Lookup)).ToListAsync());
        return lookups.PairAmong(found) ?? throw new InvalidOperationException("No pair has this PIN 1 under the configured hash keys.");
    }

    /// <summary>Whether a validation problem names <paramref name="field"/> (the key's letter case is not part of the check).</summary>
    public static bool HasFieldError(this JsonElement problem, string field) =>
        problem.GetProperty("errors").EnumerateObject().Any(e => string.Equals(e.Name, field, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads state the API does not expose to parents (attempt counters, stored hashes) for assertions.</summary>
    public static async Task<T> QueryDbAsync<T>(this KitaLinkFactory factory, Func<KitaLinkDbContext, Task<T>> query)
    {
        using var scope = factory.Services.CreateScope();
        return await query(scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>());
    }
}
