using System.Globalization;
using System.Net;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace KitaLink.IntegrationTests.Security;

/// <summary>
/// Rotating the JWT signing key without signing anybody out (docs/operations.md): the real API process is
/// restarted with each step's configuration on one database, under live tokens. Also the start-up rules of the
/// rotated keys (the PIN hash key rotation itself: <c>PinHashKeyRotationTests</c>).
/// </summary>
[Collection(ApiProcessCollection.Name)]
public sealed class KeyRotationTests : IAsyncLifetime
{
    private const string OldKey = KitaLinkFactory.JwtSigningKey;
    private const string NewKey = "cm90YXRlZC1zaWduaW5nLWtleS1mb3Ita2l0YWxpbmstdGVzdHMtMjAyNy0wMQ==";
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await PostgresServer.CreateDatabaseAsync();

    public Task DisposeAsync() => PostgresServer.DropDatabaseAsync(_connectionString);

    private Task<ApiProcess> StartAsync(string signingKey, params string[] validationKeys)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = _connectionString,
            ["Jwt__SigningKey"] = signingKey,
            ["Pins__HashKey"] = KitaLinkFactory.PinHashKey,
            ["Bootstrap__OperatorEmail"] = KitaLinkFactory.OperatorEmail,
            ["Bootstrap__OperatorPassword"] = KitaLinkFactory.OperatorPassword,
            ["Outbox__Enabled"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        for (var i = 0; i < validationKeys.Length; i++)
        {
            environment[$"Jwt__ValidationKeys__{i.ToString(CultureInfo.InvariantCulture)}"] = validationKeys[i];
        }
        return ApiProcess.StartAsync(environment);
    }

    private static string KeyIdOf(string token) =>
        JsonDocument.Parse(Base64UrlEncoder.Decode(token.Split('.')[0])).RootElement.GetProperty("kid").GetString()!;

    private static string KeyIdOfKey(string key) => JwtOptions.KeyId(Convert.FromBase64String(key));

    [Fact]
    public async Task SigningKeyRotation_KeepsLiveTokensWorking_UntilTheOldKeyIsRemoved()
    {
        string oldToken;
        await using (var before = await StartAsync(OldKey))
        {
            using var client = before.CreateClient();
            oldToken = await client.OperatorTokenAsync();
            Assert.Equal(KeyIdOfKey(OldKey), KeyIdOf(oldToken));
        }

        // Step 1: sign with the new key, still accept the old one.
        string newToken;
        await using (var during = await StartAsync(NewKey, OldKey))
        {
            using var client = during.CreateClient();
            await (await client.GetAsync("/api/v1/facilities", oldToken)).ExpectAsync(HttpStatusCode.OK);
            newToken = await client.OperatorTokenAsync();
            Assert.Equal(KeyIdOfKey(NewKey), KeyIdOf(newToken));
            await (await client.GetAsync("/api/v1/facilities", newToken)).ExpectAsync(HttpStatusCode.OK);
        }

        // Step 2, once the old tokens' lifetime has passed: the old key goes.
        await using (var after = await StartAsync(NewKey))
        {
            using var client = after.CreateClient();
            await (await client.GetAsync("/api/v1/facilities", newToken)).ExpectAsync(HttpStatusCode.OK);
            await (await client.GetAsync("/api/v1/facilities", oldToken)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        }
    }

    [Fact]
    public async Task AValidationKeyShorterThan256Bits_StopsTheStart()
    {
        var (exitCode, output, error) = await ApiProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = _connectionString,
            ["Jwt__SigningKey"] = NewKey,
            ["Jwt__ValidationKeys__0"] = "too-short",
            ["Pins__HashKey"] = KitaLinkFactory.PinHashKey,
        }, TimeSpan.FromMinutes(3));

        Assert.Equal(1, exitCode);
        Assert.Contains("Jwt:ValidationKeys", error + output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APinHashKeyVersionConfiguredTwice_StopsTheStart_WithOneLineNamingBothSettings()
    {
        var (exitCode, _, error) = await ApiProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = _connectionString,
            ["Jwt__SigningKey"] = OldKey,
            ["Pins__HashKey"] = NewKey,
            ["Pins__HashKeyVersion"] = "2",
            ["Pins__PreviousHashKeys__2"] = KitaLinkFactory.PinHashKey,
        }, TimeSpan.FromMinutes(3));

        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal("KitaLink cannot start: Pins:PreviousHashKeys:2: key version 2 is configured twice (also Pins:HashKeyVersion); "
            + "every key version must be unique.", line);
    }
}
