using KitaLink.Api.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Privacy;

/// <summary>What one round removed.</summary>
public sealed record RetentionResult(
    int PinPairsWiped,
    int WrongEmailAttemptsDeleted,
    int RefreshTokensDeleted,
    int ResetTokensDeleted,
    int RateLimitCountersDeleted,
    int AuditEventsAnonymised);

/// <summary>
/// One round of the retention rules (docs/privacy.md), in one transaction that holds a PostgreSQL
/// transaction-level advisory lock: with several instances exactly one runs a round at a time, the others
/// skip it (and a crashed instance's lock ends with its connection).
/// </summary>
public sealed class RetentionSweep(KitaLinkDbContext db, IOptions<RetentionOptions> options, TimeProvider time)
{
    /// <summary>The advisory lock key of the retention job ("KitaRetn" as ASCII).</summary>
    public const long LockKey = 0x4B69_7461_5265_746E;

    /// <summary>Runs a round; null when another instance is running one.</summary>
    public async Task<RetentionResult?> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var pinCutoff = now - TimeSpan.FromDays(options.Value.PinSecretsDays);
        var auditCutoff = now - TimeSpan.FromDays(options.Value.AuditEventDays);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({LockKey}) AS \"Value\"").SingleAsync(cancellationToken);
        if (!locked)
        {
            return null;
        }

        // A pair has ended when it was redeemed, revoked or locked, or when its validity ran out; its
        // secrets go once the earliest of these lies the retention time back.
        var ended = db.PinPairs.Where(p => p.SecretsWipedAt == null
            && (p.ExpiresAt < pinCutoff || p.RedeemedAt < pinCutoff || p.RevokedAt < pinCutoff || p.LockedAt < pinCutoff));
        var attempts = await db.WrongEmailAttempts
            .Where(a => ended.Any(p => p.Id == a.PinPairId))
            .ExecuteDeleteAsync(cancellationToken);
        var pairs = await ended.ExecuteUpdateAsync(s => s
            .SetProperty(p => p.Pin1Protected, (string?)null)
            .SetProperty(p => p.Pin1Lookup, (byte[]?)null)
            .SetProperty(p => p.Pin2Hash, (byte[]?)null)
            .SetProperty(p => p.SecretsWipedAt, now), cancellationToken);

        var refresh = await db.RefreshTokens.Where(t => t.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken);
        var resets = await db.PasswordResetTokens.Where(t => t.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken);
        var counters = await db.RateLimitCounters.Where(c => c.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken);
        // Sign-in challenges of the second factor that nobody completed (a sign-in removes the account's own).
        await db.MfaChallenges.Where(c => c.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken);

        // The event itself (what, when, ids) stays as the record of what happened; who it named, from where and
        // with which details goes.
        var audit = await db.AuditEvents
            .Where(e => e.OccurredAt < auditCutoff && (e.ActorName != null || e.ClientAddress != null || e.Data != null))
            .ExecuteUpdateAsync(s => s
                .SetProperty(e => e.ActorName, (string?)null)
                .SetProperty(e => e.ClientAddress, (string?)null)
                .SetProperty(e => e.Data, (string?)null), cancellationToken);

        await transaction.CommitAsync(cancellationToken);
        return new RetentionResult(pairs, attempts, refresh, resets, counters, audit);
    }
}
