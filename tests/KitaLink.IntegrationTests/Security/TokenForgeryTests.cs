using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Staff;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KitaLink.IntegrationTests.Security;

/// <summary>
/// Every token the service did not issue, or no longer stands behind, is 401 <c>unauthenticated</c>:
/// forged with <c>alg: none</c>, another key or another algorithm, expired, not yet valid, for another
/// issuer or audience, with a tampered payload, of a deleted account or issued before a logout. Each
/// forgery starts from a token the test proves is accepted, so the 401 comes from exactly one defect.
/// </summary>
public sealed class TokenForgeryTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    private JwtOptions Jwt => factory.Services.GetRequiredService<IOptions<JwtOptions>>().Value;

    private SigningCredentials RightKey() =>
        new(new SymmetricSecurityKey(Jwt.SigningKeyBytes()), SecurityAlgorithms.HmacSha256);

    private async Task<ParentSession> NewParentAsync()
    {
        var email = ParentApi.UniqueEmail();
        return await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));
    }

    private Task<int> TokenVersionAsync(Guid accountId) =>
        factory.QueryDbAsync(db => db.ParentAccounts.Where(a => a.Id == accountId).Select(a => a.TokenVersion).SingleAsync());

    /// <summary>A parent token as the service would issue it, changed by <paramref name="change"/>.</summary>
    private async Task<string> CraftAsync(ParentSession parent, Action<SecurityTokenDescriptor>? change = null)
    {
        var now = factory.Time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Jwt.Issuer,
            Audience = Jwt.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(15),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = parent.AccountId.ToString(),
                ["role"] = "parent",
                ["ver"] = await TokenVersionAsync(parent.AccountId),
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = RightKey(),
            TokenType = AccessTokenIssuer.TokenType,
        };
        change?.Invoke(descriptor);
        return _handler.CreateToken(descriptor);
    }

    private Task<HttpResponseMessage> GetMeAsync(string token) => _client.GetAsync("/api/v1/me", token);

    private static string Base64Url(byte[] bytes) => Base64UrlEncoder.Encode(bytes);

    private static string Base64Url(string json) => Base64Url(Encoding.UTF8.GetBytes(json));

    private static JsonObject PayloadOf(string token) =>
        JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject();

    [Fact]
    public async Task CraftedToken_WithTheRightKeyAndClaims_IsAccepted_SoEachForgeryBelowFailsForItsOneDefect()
    {
        var parent = await NewParentAsync();
        await (await GetMeAsync(await CraftAsync(parent))).ExpectAsync(HttpStatusCode.OK);
        // Signing by hand works too, so the HS512 variant fails for its algorithm alone.
        await (await GetMeAsync(Resign(await CraftAsync(parent), "HS256", HMACSHA256.HashData))).ExpectAsync(HttpStatusCode.OK);
    }

    public static TheoryData<string> Forgeries =>
    [
        "alg none",
        "another key",
        "right key, HS512",
        "expired beyond the clock skew",
        "not yet valid",
        "no expiry",
        "wrong issuer",
        "wrong audience",
        "tampered payload",
        "no token version",
        "stale token version",
        "staff role for a parent's subject",
        "plain JWT type, not an access token",
        "own key announced in jwk and jku headers",
    ];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task ForgedToken_IsUnauthenticated(string forgery)
    {
        var parent = await NewParentAsync();
        var victim = await NewParentAsync();
        var version = await TokenVersionAsync(parent.AccountId);
        var token = forgery switch
        {
            "alg none" => $"{Base64Url("""{"alg":"none","typ":"JWT"}""")}.{(await CraftAsync(parent)).Split('.')[1]}.",
            "another key" => await CraftAsync(parent, d => d.SigningCredentials =
                new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), SecurityAlgorithms.HmacSha256)),
            "right key, HS512" => Resign(await CraftAsync(parent), "HS512", HMACSHA512.HashData),
            "expired beyond the clock skew" => await CraftAsync(parent, d =>
            {
                d.IssuedAt = d.NotBefore = d.IssuedAt!.Value.AddMinutes(-20);
                d.Expires = factory.Time.GetUtcNow().UtcDateTime.AddSeconds(-60);
            }),
            "not yet valid" => await CraftAsync(parent, d => d.NotBefore = d.NotBefore!.Value.AddMinutes(2)),
            "no expiry" => await CraftAsync(parent, d => d.Expires = null),
            "wrong issuer" => await CraftAsync(parent, d => d.Issuer = "someone-else"),
            "wrong audience" => await CraftAsync(parent, d => d.Audience = "another-app"),
            "tampered payload" => Tamper(parent.AccessToken, payload => payload["sub"] = victim.AccountId.ToString()),
            "no token version" => await CraftAsync(parent, d => d.Claims.Remove("ver")),
            "stale token version" => await CraftAsync(parent, d => d.Claims["ver"] = version - 1),
            "staff role for a parent's subject" => await CraftAsync(parent, d => d.Claims["role"] = "operator"),
            "plain JWT type, not an access token" => await CraftAsync(parent, d => d.TokenType = "JWT"),
            "own key announced in jwk and jku headers" => await AnnounceOwnKeyAsync(parent),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };

        await (await GetMeAsync(token)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        await (await _client.GetAsync("/api/v1/facilities", token)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        // The genuine token of the same account still works: nothing was revoked by the attempt.
        await (await GetMeAsync(parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
    }

    /// <summary>
    /// The token's payload under another header, signed by hand with the service's own key (IdentityModel
    /// would refuse to create HS512 with a key under 512 bits; the point is that the service refuses it).
    /// </summary>
    private string Resign(string token, string algorithm, Func<byte[], byte[], byte[]> mac)
    {
        var signedPart = $"{Base64Url($$"""{"alg":"{{algorithm}}","typ":"at+jwt"}""")}.{token.Split('.')[1]}";
        return $"{signedPart}.{Base64Url(mac(Jwt.SigningKeyBytes(), Encoding.ASCII.GetBytes(signedPart)))}";
    }

    /// <summary>Signed with the attacker's key, which the header offers inline (jwk) and by URL (jku); both must be ignored.</summary>
    private async Task<string> AnnounceOwnKeyAsync(ParentSession parent)
    {
        var own = RandomNumberGenerator.GetBytes(32);
        return await CraftAsync(parent, d =>
        {
            d.SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(own), SecurityAlgorithms.HmacSha256);
            d.AdditionalHeaderClaims = new Dictionary<string, object>
            {
                ["jwk"] = new Dictionary<string, object> { ["kty"] = "oct", ["k"] = Base64Url(own) },
                ["jku"] = "https://attacker.example/keys.json",
            };
        });
    }

    private static string Tamper(string token, Action<JsonObject> change)
    {
        var parts = token.Split('.');
        var payload = PayloadOf(token);
        change(payload);
        return $"{parts[0]}.{Base64Url(payload.ToJsonString())}.{parts[2]}";
    }

    [Fact]
    public async Task Token_ExpiredWithinTheClockSkew_IsStillAccepted()
    {
        var parent = await NewParentAsync();
        var token = await CraftAsync(parent, d =>
        {
            d.IssuedAt = d.NotBefore = d.IssuedAt!.Value.AddMinutes(-15);
            d.Expires = factory.Time.GetUtcNow().UtcDateTime.AddSeconds(-10);
        });

        await (await GetMeAsync(token)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task IssuedToken_AfterItsLifetime_IsUnauthenticated()
    {
        var parent = await NewParentAsync();
        await (await GetMeAsync(parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);

        factory.Time.Advance(TimeSpan.FromMinutes(Jwt.ParentAccessTokenMinutes) + TimeSpan.FromSeconds(31));

        await (await GetMeAsync(parent.AccessToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task Token_OfADeletedAccount_IsUnauthenticated()
    {
        var parent = await NewParentAsync();
        var crafted = await CraftAsync(parent);
        await (await _client.DeleteAsync("/api/v1/me", parent.AccessToken, new { password = parent.Password })).ExpectAsync(HttpStatusCode.NoContent);

        await (await GetMeAsync(parent.AccessToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        await (await GetMeAsync(crafted)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        await (await _client.GetAsync("/api/v1/me/children", parent.AccessToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task ParentToken_AfterLogout_IsUnauthenticated()
    {
        var parent = await NewParentAsync();
        var second = await _client.SignInAsync(parent.Email, parent.Password);
        await (await _client.PostJsonAsync("/api/v1/auth/logout", null, parent.AccessToken)).ExpectAsync(HttpStatusCode.NoContent);

        foreach (var token in new[] { parent.AccessToken, second.AccessToken })
        {
            await (await GetMeAsync(token)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        }
    }

    [Fact]
    public async Task Token_InTheQueryString_IsNotRead()
    {
        var parent = await NewParentAsync();
        await (await _client.GetAsync($"/api/v1/me?access_token={parent.AccessToken}", token: null))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task Token_WithTheRightKey_ButTheRoleUnderTheLongClaimType_GetsNoRole()
    {
        // Inbound claim mapping is off on purpose: only "role" grants a role, not Microsoft's long claim URI.
        var operatorAccount = await factory.QueryDbAsync(db => db.StaffMembers.AsNoTracking().SingleAsync(s => s.Role == StaffRole.Operator));
        var now = factory.Time.GetUtcNow().UtcDateTime;
        SecurityTokenDescriptor Descriptor(string roleClaim) => new()
        {
            Issuer = Jwt.Issuer,
            Audience = Jwt.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = operatorAccount.Id.ToString(),
                [roleClaim] = "operator",
                ["ver"] = operatorAccount.TokenVersion,
            },
            SigningCredentials = RightKey(),
            TokenType = AccessTokenIssuer.TokenType,
        };

        await (await _client.GetAsync("/api/v1/facilities", _handler.CreateToken(Descriptor("role")))).ExpectAsync(HttpStatusCode.OK);
        await (await _client.GetAsync("/api/v1/facilities", _handler.CreateToken(Descriptor(ClaimTypes.Role))))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
    }

    [Fact]
    public async Task IssuedTokens_CarryIssuerAudienceLifetimeAndOnlyHs256()
    {
        var parent = await NewParentAsync();
        var token = new JsonWebToken(parent.AccessToken);
        Assert.Equal("HS256", token.Alg);
        Assert.Equal(AccessTokenIssuer.TokenType, token.Typ);
        Assert.Equal(Jwt.Issuer, token.Issuer);
        Assert.Equal([Jwt.Audience], token.Audiences);
        Assert.Equal(TimeSpan.FromMinutes(Jwt.ParentAccessTokenMinutes), token.ValidTo - token.IssuedAt);
        // Nothing personal in a token that sits in app storage and proxies' memory.
        var payload = PayloadOf(parent.AccessToken).ToJsonString();
        Assert.DoesNotContain(parent.Email, payload, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"email\"", payload, StringComparison.Ordinal);
        _ = JsonDocument.Parse(payload);
    }
}
