using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Pdf;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;
using static KitaLink.IntegrationTests.Infrastructure.ParentApi;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Pins;

/// <summary>
/// The service restarted on a database an earlier start already used, with other settings (a configuration
/// change as an operator rolls it out). Disposing it stops the service; the database stays.
/// </summary>
public sealed class RestartedFactory(string connectionString, IDictionary<string, string?> settings) : KitaLinkFactory
{
    public ScriptedPinCodeSource Codes { get; } = new();

    protected override IDictionary<string, string?> Settings => settings;

    public override Task InitializeAsync()
    {
        ConnectionString = connectionString;
        Smtp.Start();
        return Task.CompletedTask;
    }

    protected override Task DropDatabaseAsync() => Task.CompletedTask;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<PinCodeSource>();
            services.AddSingleton<PinCodeSource>(Codes);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>
/// Rotating <c>Pins__HashKey</c> while pairs are pending (docs/operations.md): the API is restarted through the
/// rotation's steps on one database, and pairs made under the old key are redeemed, refused and printed over HTTP.
/// </summary>
public sealed class PinHashKeyRotationTests : IAsyncLifetime
{
    private const string Key1 = KitaLinkFactory.PinHashKey;
    private const string Key2 = "cm90YXRlZC1waW4taGFzaC1rZXktZm9yLWtpdGFsaW5rLXRlc3RzLTIwMjctMDE=";
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await PostgresServer.CreateDatabaseAsync();

    public Task DisposeAsync() => PostgresServer.DropDatabaseAsync(_connectionString);

    /// <summary>Starts the API with <paramref name="key"/> as <c>Pins:HashKey</c> (version left at its default when null) and the given previous keys.</summary>
    private async Task<RestartedFactory> StartAsync(string key, int? version, params (int Version, string Key)[] previous)
    {
        var settings = new Dictionary<string, string?> { ["Pins:HashKey"] = key };
        if (version is { } v)
        {
            settings["Pins:HashKeyVersion"] = v.ToString(CultureInfo.InvariantCulture);
        }
        foreach (var (previousVersion, previousKey) in previous)
        {
            settings[$"Pins:PreviousHashKeys:{previousVersion.ToString(CultureInfo.InvariantCulture)}"] = previousKey;
        }
        var factory = new RestartedFactory(_connectionString, settings);
        await factory.InitializeAsync();
        return factory;
    }

    private static byte[] Pin1LookupUnder(string key, string pin1) =>
        HMACSHA256.HashData(Convert.FromBase64String(key), Encoding.UTF8.GetBytes("pin1:" + PinCodes.Normalize(pin1)));

    private static Task<PinPair> PairOfAsync(KitaLinkFactory factory, TestGuardian guardian) =>
        factory.WithDbAsync(db => db.PinPairs.AsNoTracking().SingleAsync(p => p.GuardianId == guardian.GuardianId && p.State == PinPairState.Pending));

    private static async Task<string> LetterTextAsync(HttpClient client, TestFacility facility, TestGuardian guardian)
    {
        var response = await client.GetAsync(PinsPath(guardian) + "/letter", facility.AdminToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(LetterReader.PageTexts(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task PendingPairsOfThePreviousKey_StayRedeemableAndPrintable_UntilTheKeyIsRemoved()
    {
        TestFacility facility;
        TestGuardian redeemed, forgotten, resent;
        TestPins redeemedPins, forgottenPins, resentPins;
        await using (var before = await StartAsync(Key1, version: null))
        {
            using var client = before.CreateClient();
            facility = await client.CreateFacilityAsync();
            redeemed = await client.CreateChildWithGuardianAsync(facility, UniqueEmail("eingeloest"));
            forgotten = await client.CreateChildWithGuardianAsync(facility, UniqueEmail("vergessen"));
            resent = await client.CreateChildWithGuardianAsync(facility, UniqueEmail("neu-gesendet"));
            redeemedPins = await before.CreatePinsAsync(client, facility, redeemed);
            forgottenPins = await before.CreatePinsAsync(client, facility, forgotten);
            resentPins = await before.CreatePinsAsync(client, facility, resent);

            // Without Pins:HashKeyVersion the key is version 1, as for every pair made before versions existed.
            var pair = await PairOfAsync(before, redeemed);
            Assert.Equal(1, pair.HashKeyVersion);
            Assert.Equal(Pin1LookupUnder(Key1, redeemedPins.Pin1), pair.Pin1Lookup);
        }

        // Step 1: key 2 hashes new pairs; key 1 stays as a previous key.
        TestGuardian fresh;
        TestPins freshPins;
        string resentPin2;
        await using (var during = await StartAsync(Key2, 2, (1, Key1)))
        {
            using var client = during.CreateClient();

            // The letter of an old pair still prints its PIN 1 (encrypted with Data Protection, not with the hash key).
            Assert.Contains(redeemedPins.Pin1, await LetterTextAsync(client, facility, redeemed));
            Assert.Equal(redeemedPins.Pin1, (await client.PinViewAsync(facility.AdminToken, redeemed)).GetProperty("pin1").GetString());

            // A wrong PIN 2 is still refused, and counted against the old pair (found by its PIN 1 under key 1).
            var email = redeemed.Email;
            await (await client.RegisterAsync(email, redeemedPins.Pin1, forgottenPins.Pin2)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "pins_invalid");
            Assert.Equal(1, (await PairOfAsync(during, redeemed)).FailedAttempts);

            var parent = await client.RegisterAsync(email, redeemedPins);
            Assert.Equal(redeemed.ChildId, Assert.Single(await client.MyChildrenAsync(parent.AccessToken)).GetProperty("id").GetGuid());

            // New pairs are hashed with key 2 and record it.
            fresh = await client.CreateChildWithGuardianAsync(facility, UniqueEmail("frisch"));
            freshPins = await during.CreatePinsAsync(client, facility, fresh);
            var freshPair = await PairOfAsync(during, fresh);
            Assert.Equal(2, freshPair.HashKeyVersion);
            Assert.Equal(Pin1LookupUnder(Key2, freshPins.Pin1), freshPair.Pin1Lookup);

            // A new PIN 2 moves an old pair to key 2; its PIN 1 (and the printed letter) stays.
            var reissued = await (await client.PostJsonAsync(PinsPath(resent) + "/pin2", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
            resentPin2 = StaffApi.Pin2Of(await during.Smtp.WaitForMailAsync(resent.Email, reissued.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid()));
            var resentPair = await PairOfAsync(during, resent);
            Assert.Equal(2, resentPair.HashKeyVersion);
            Assert.Equal(Pin1LookupUnder(Key2, resentPins.Pin1), resentPair.Pin1Lookup);
            Assert.Equal(1, (await PairOfAsync(during, forgotten)).HashKeyVersion);
        }

        // Step 2: key 1 removed. Its pending pair can no longer be found: pins_invalid as for an unknown PIN 1.
        await using (var after = await StartAsync(Key2, 2))
        {
            using var client = after.CreateClient();
            await (await client.RegisterAsync(forgotten.Email, forgottenPins.Pin1, forgottenPins.Pin2))
                .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "pins_invalid");
            Assert.Equal(0, (await PairOfAsync(after, forgotten)).FailedAttempts);

            // Pairs of key 2 are unaffected, including the one moved there by its new PIN 2.
            await client.RegisterAsync(fresh.Email, freshPins);
            await client.RegisterAsync(resent.Email, resentPins with { Pin2 = resentPin2 });
        }
    }

    [Fact]
    public async Task PairsMadeBeforeKeyVersionsExisted_AreVersion1()
    {
        // Migration PinHashKeyVersions adds the column with DEFAULT 1, which PostgreSQL writes into every existing row.
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT column_default FROM information_schema.columns WHERE table_name = 'pin_pairs' AND column_name = 'hash_key_version'", connection);
        Assert.Equal("1", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task APin1StillPendingUnderThePreviousKey_IsNotIssuedAgainUnderTheNewOne()
    {
        TestFacility facility;
        TestGuardian old;
        await using (var before = await StartAsync(Key1, 1))
        {
            using var client = before.CreateClient();
            facility = await client.CreateFacilityAsync();
            old = await client.CreateChildWithGuardianAsync(facility, UniqueEmail("alt"));
            before.Codes.Script.Enqueue("ABCDEFGH");
            before.Codes.Script.Enqueue("JKLMNPQR");
            await (await client.PostJsonAsync(PinsPath(old), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        }

        await using (var during = await StartAsync(Key2, 2, (1, Key1)))
        {
            using var client = during.CreateClient();
            var next = await client.CreateChildWithGuardianAsync(facility, UniqueEmail("neu"));
            // The unique index compares key 2 hashes only; the issuance must see ABCD-EFGH under key 1 and draw again.
            foreach (var code in new[] { "ABCDEFGH", "STUVWXYZ", "23456789", "99887766" })
            {
                during.Codes.Script.Enqueue(code);
            }
            var created = await (await client.PostJsonAsync(PinsPath(next), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
            Assert.Equal("2345-6789", created.GetProperty("pin1").GetString());

            // Both pairs are redeemable with their own PINs.
            var mail = await during.Smtp.WaitForMailAsync(next.Email, created.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid());
            Assert.Equal("9988-7766", StaffApi.Pin2Of(mail));
            await client.RegisterAsync(old.Email, new TestPins(old.ChildId, old.GuardianId, "ABCD-EFGH", "JKLM-NPQR", default));
            await client.RegisterAsync(next.Email, new TestPins(next.ChildId, next.GuardianId, "2345-6789", "9988-7766", default));
        }
    }
}
