using System.Net;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Pins;
using KitaLink.Api.Privacy;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Privacy;

/// <summary>
/// The retention rules with the moved clock: each test makes data through the API, moves the service's clock
/// to just before and just after each limit, runs a round and checks exactly which of its rows changed.
/// Defaults apply (30 days for PIN secrets, 730 days for audit details).
/// </summary>
public sealed class RetentionTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<RetentionResult> SweepAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<RetentionSweep>().RunAsync(CancellationToken.None);
        Assert.NotNull(result);
        return result;
    }

    private Task<PinPair> PairAsync(Guid id) => factory.QueryDbAsync(db => db.PinPairs.AsNoTracking().SingleAsync(p => p.Id == id));

    private static void AssertSecretsKept(PinPair pair)
    {
        Assert.Null(pair.SecretsWipedAt);
        Assert.NotNull(pair.Pin1Protected);
        Assert.NotNull(pair.Pin1Lookup);
        Assert.NotNull(pair.Pin2Hash);
    }

    private static void AssertSecretsWiped(PinPair pair, DateTimeOffset at)
    {
        Assert.Equal(at, pair.SecretsWipedAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Null(pair.Pin1Protected);
        Assert.Null(pair.Pin1Lookup);
        Assert.Null(pair.Pin2Hash);
    }

    [Fact]
    public async Task PinSecrets_AreWiped30DaysAfterRedemptionRevocationOrExpiry_AndNoSooner()
    {
        var facility = await _client.CreateFacilityAsync();
        var start = factory.Time.GetUtcNow();
        // Redeemed at day 0, after a wrong-email attempt with the right PINs.
        var redeemedEmail = ParentApi.UniqueEmail();
        var redeemedPins = await factory.IssuePinsAsync(redeemedEmail, facility);
        var redeemedId = (await factory.PinPairOfAsync(redeemedPins)).Id;
        await (await _client.RegisterAsync(ParentApi.UniqueEmail(), redeemedPins.Pin1, redeemedPins.Pin2)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.EmailMismatch);
        var parent = await _client.RegisterAsync(redeemedEmail, redeemedPins);
        // Revoked at day 0.
        var revokedEmail = ParentApi.UniqueEmail();
        var revokedPins = await factory.IssuePinsAsync(revokedEmail, facility);
        var revokedId = (await factory.PinPairOfAsync(revokedPins)).Id;
        var revokedGuardian = new TestGuardian(facility.Id, revokedPins.ChildId, revokedPins.GuardianId, revokedEmail);
        await (await _client.DeleteAsync(PinsPath(revokedGuardian), facility.AdminToken)).ExpectAsync(HttpStatusCode.NoContent);
        // Left pending: expires at day 14.
        var expiringPins = await factory.IssuePinsAsync(ParentApi.UniqueEmail(), facility);
        var expiringId = (await factory.PinPairOfAsync(expiringPins)).Id;
        Assert.Equal(1, await factory.QueryDbAsync(db => db.WrongEmailAttempts.CountAsync(a => a.PinPairId == redeemedId)));

        factory.Time.SetUtcNow(start.AddDays(30).AddMinutes(-1));
        await SweepAsync();
        AssertSecretsKept(await PairAsync(redeemedId));
        AssertSecretsKept(await PairAsync(revokedId));
        AssertSecretsKept(await PairAsync(expiringId));
        Assert.Equal(1, await factory.QueryDbAsync(db => db.WrongEmailAttempts.CountAsync(a => a.PinPairId == redeemedId)));
        // A pair made now is pending until day 44.
        var laterFacility = await _client.CreateFacilityAsync();
        var pendingPins = await factory.IssuePinsAsync(ParentApi.UniqueEmail(), laterFacility);
        var pendingId = (await factory.PinPairOfAsync(pendingPins)).Id;

        factory.Time.SetUtcNow(start.AddDays(30).AddMinutes(1));
        var wipedAt = factory.Time.GetUtcNow();
        await SweepAsync();
        AssertSecretsWiped(await PairAsync(redeemedId), wipedAt);
        AssertSecretsWiped(await PairAsync(revokedId), wipedAt);
        AssertSecretsKept(await PairAsync(expiringId));
        AssertSecretsKept(await PairAsync(pendingId));
        Assert.Equal(0, await factory.QueryDbAsync(db => db.WrongEmailAttempts.CountAsync(a => a.PinPairId == redeemedId)));
        // The history stays: state, times, who redeemed it; the link and the parent's child list are untouched.
        var redeemed = await PairAsync(redeemedId);
        Assert.Equal(PinPairState.Redeemed, redeemed.State);
        Assert.Equal(parent.AccountId, redeemed.RedeemedByAccountId);
        Assert.Equal(PinPairState.Revoked, (await PairAsync(revokedId)).State);
        Assert.True(await factory.QueryDbAsync(db => db.ChildLinks.AnyAsync(l => l.PinPairId == redeemedId && l.AccountId == parent.AccountId)));
        // Wiped PINs are unknown PINs.
        await (await _client.RegisterAsync(revokedEmail, revokedPins.Pin1, revokedPins.Pin2)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, ErrorCodes.PinsInvalid);

        factory.Time.SetUtcNow(expiringPins.ExpiresAt.AddDays(30).AddMinutes(-1));
        await SweepAsync();
        AssertSecretsKept(await PairAsync(expiringId));
        factory.Time.SetUtcNow(expiringPins.ExpiresAt.AddDays(30).AddMinutes(1));
        var expiredWipedAt = factory.Time.GetUtcNow();
        await SweepAsync();
        AssertSecretsWiped(await PairAsync(expiringId), expiredWipedAt);
        AssertSecretsKept(await PairAsync(pendingId));
        // A second round changes nothing that was wiped before.
        await SweepAsync();
        AssertSecretsWiped(await PairAsync(redeemedId), wipedAt);
    }

    [Fact]
    public async Task ExpiredRefreshAndResetTokensAndRateLimitCounters_AreDeleted_LiveOnesKept()
    {
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email));
        await (await _client.PostJsonAsync("/api/v1/auth/password-reset", new { email })).ExpectAsync(HttpStatusCode.Accepted);
        var start = factory.Time.GetUtcNow();
        var firstRefresh = await factory.QueryDbAsync(db => db.RefreshTokens.SingleAsync(t => t.AccountId == parent.AccountId));
        Assert.Equal(1, await factory.QueryDbAsync(db => db.PasswordResetTokens.CountAsync(t => t.AccountId == parent.AccountId)));
        Assert.True(await factory.QueryDbAsync(db => db.RateLimitCounters.AnyAsync()));

        // The reset code (one hour) and every counter window (at most one hour) are over; the refresh token lives on.
        factory.Time.SetUtcNow(start.AddHours(2));
        var later = await _client.SignInAsync(email, ParentApi.Password);
        var liveCounters = await factory.QueryDbAsync(db => db.RateLimitCounters.AsNoTracking().Where(c => c.ExpiresAt > start.AddHours(2)).Select(c => c.Key).ToListAsync());
        Assert.NotEmpty(liveCounters);
        var result = await SweepAsync();
        Assert.Equal(0, await factory.QueryDbAsync(db => db.PasswordResetTokens.CountAsync(t => t.AccountId == parent.AccountId)));
        Assert.True(await factory.QueryDbAsync(db => db.RefreshTokens.AnyAsync(t => t.Id == firstRefresh.Id)));
        var counters = await factory.QueryDbAsync(db => db.RateLimitCounters.AsNoTracking().Select(c => c.Key).ToListAsync());
        Assert.Equal(liveCounters.Order(), counters.Order());
        Assert.True(result.ResetTokensDeleted >= 1);
        Assert.True(result.RateLimitCountersDeleted >= 1);

        // Day 30 and a bit: the first session's token expired, the one from the later sign-in has not.
        factory.Time.SetUtcNow(firstRefresh.ExpiresAt.AddMinutes(1));
        await SweepAsync();
        Assert.False(await factory.QueryDbAsync(db => db.RefreshTokens.AnyAsync(t => t.Id == firstRefresh.Id)));
        await (await _client.RefreshAsync(later.RefreshToken)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AuditEvents_LoseTheirPersonalFieldsAfterTheRetentionPeriod_AndKeepTheRest()
    {
        var start = factory.Time.GetUtcNow();
        var oldEmail = ParentApi.UniqueEmail();
        await (await _client.LoginAsync(oldEmail, "Irgendein-Passwort-2026")).ExpectAsync(HttpStatusCode.Unauthorized);
        var old = await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking()
            .Where(e => e.Action == AuditActions.LoginFailed && e.OccurredAt >= start).OrderByDescending(e => e.Id).FirstAsync());
        Assert.NotNull(old.ActorName);
        Assert.NotNull(old.ClientAddress);
        Assert.NotNull(old.Data);

        factory.Time.SetUtcNow(start.AddDays(730).AddMinutes(-1));
        await SweepAsync();
        Assert.NotNull((await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.Id == old.Id))).ActorName);
        await (await _client.LoginAsync(ParentApi.UniqueEmail(), "Irgendein-Passwort-2026")).ExpectAsync(HttpStatusCode.Unauthorized);
        var young = await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Id).FirstAsync(e => e.Action == AuditActions.LoginFailed));

        factory.Time.SetUtcNow(start.AddDays(730).AddMinutes(1));
        var result = await SweepAsync();

        var anonymised = await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.Id == old.Id));
        Assert.Null(anonymised.ActorName);
        Assert.Null(anonymised.ClientAddress);
        Assert.Null(anonymised.Data);
        Assert.Equal(old.Action, anonymised.Action);
        Assert.Equal(old.OccurredAt, anonymised.OccurredAt);
        Assert.Equal(old.ActorType, anonymised.ActorType);
        var kept = await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.Id == young.Id));
        Assert.Equal(young.ActorName, kept.ActorName);
        Assert.Equal(young.ClientAddress, kept.ClientAddress);
        Assert.Equal(young.Data, kept.Data);
        Assert.True(result.AuditEventsAnonymised >= 1);
    }

    [Fact]
    public async Task ARound_WhileAnotherInstanceRunsOne_IsSkipped()
    {
        await using var other = new NpgsqlConnection(factory.ConnectionString);
        await other.OpenAsync();
        await using (var transaction = await other.BeginTransactionAsync())
        {
            await using var take = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({RetentionSweep.LockKey})", other, transaction);
            await take.ExecuteNonQueryAsync();

            await using var scope = factory.Services.CreateAsyncScope();
            Assert.Null(await scope.ServiceProvider.GetRequiredService<RetentionSweep>().RunAsync(CancellationToken.None));
            await transaction.CommitAsync();
        }
        await SweepAsync();
    }
}

/// <summary>The retention job as it runs in the service: enabled, with a configured 7-day PIN retention.</summary>
public sealed class RetentionJobFactory : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Retention:Enabled"] = "true",
        ["Retention:PinSecretsDays"] = "7",
        ["Retention:Interval"] = "01:00:00",
    };
}

public sealed class RetentionJobTests(RetentionJobFactory factory) : IClassFixture<RetentionJobFactory>
{
    [Fact]
    public async Task TheBackgroundJob_WipesARevokedPairOnceTheClockPassesTheConfiguredDays()
    {
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email, facility);
        var id = (await factory.PinPairOfAsync(pins)).Id;
        await (await client.DeleteAsync(PinsPath(new TestGuardian(facility.Id, pins.ChildId, pins.GuardianId, email)), facility.AdminToken))
            .ExpectAsync(HttpStatusCode.NoContent);

        // Seven days and a bit: the job's next round (its timer runs on the moved clock) wipes the pair. Until
        // then each poll moves the clock on by the interval, so a round that was still running when the clock
        // jumped gets its next turn.
        var revokedAt = factory.Time.GetUtcNow();
        factory.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        PinPair pair;
        while (true)
        {
            pair = await factory.QueryDbAsync(db => db.PinPairs.AsNoTracking().SingleAsync(p => p.Id == id));
            if (pair.SecretsWipedAt is not null || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(200);
            factory.Time.Advance(TimeSpan.FromHours(1));
        }

        Assert.NotNull(pair.SecretsWipedAt);
        Assert.True(pair.SecretsWipedAt > revokedAt.AddDays(7));
        Assert.Null(pair.Pin2Hash);
    }
}
