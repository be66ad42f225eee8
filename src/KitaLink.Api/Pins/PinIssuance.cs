using KitaLink.Api.Audit;
using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Pins;

/// <summary>A new pair as staff see it: PIN 1 in display form, never PIN 2.</summary>
public sealed record IssuedPins(PinPair Pair, string Pin1Formatted, OutboxMessage Pin2Message);

/// <summary>Outcome of a PIN 2 resend.</summary>
public abstract record Pin2Reissue
{
    private Pin2Reissue() { }

    public sealed record Reissued(PinPair Pair, OutboxMessage Pin2Message) : Pin2Reissue;

    public sealed record NoPendingPair : Pin2Reissue;

    public sealed record RateLimited(TimeSpan RetryAfter) : Pin2Reissue;
}

/// <summary>
/// Makes and changes PIN pairs. Each operation runs in one transaction under a row lock of the guardian:
/// the pair, the revocation of the previous pair, the PIN 2 email in the outbox and the audit events commit
/// together or not at all, and two staff members acting on one guardian at once are serialised (so a
/// guardian never ends up with two pending pairs). PIN 2 exists in clear only inside the outbox mail body
/// (encrypted at rest); it is never returned or logged.
/// </summary>
public sealed class PinIssuance(
    KitaLinkDbContext db,
    PinProtector protector,
    PinCodeSource codes,
    MailOutbox outbox,
    AuditTrail audit,
    WebhookEvents webhooks,
    TimeProvider time,
    IOptions<PinOptions> options)
{
    /// <summary>Attempts at a unique PIN 1; a collision of two random 40-bit values is already astronomically rare.</summary>
    private const int MaxPin1Attempts = 5;

    /// <summary>
    /// Creates a pair for the guardian (whose <see cref="Guardian.Child"/> and its facility must be loaded),
    /// revokes the guardian's pending pair (reason <see cref="PinRevocationReason.Replaced"/>) and queues
    /// the PIN 2 email to the guardian's address.
    /// </summary>
    public async Task<IssuedPins> IssueAsync(Guardian guardian, Guid staffId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var issued = await IssueInTransactionAsync(guardian, staffId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return issued;
    }

    /// <summary>
    /// <see cref="IssueAsync"/> inside the caller's open transaction (a batch issues many pairs in one):
    /// takes the guardian's row lock, reloads the guardian, revokes its pending pair, and saves the pair,
    /// the PIN 2 mail and the audit events without committing.
    /// </summary>
    public async Task<IssuedPins> IssueInTransactionAsync(Guardian guardian, Guid staffId, CancellationToken cancellationToken, Guid? batchId = null)
    {
        var child = guardian.Child ?? throw new InvalidOperationException("The guardian's child must be loaded.");
        var facility = child.Facility ?? throw new InvalidOperationException("The child's facility must be loaded.");
        await LockGuardianRowAsync(guardian, cancellationToken);
        await RevokePendingAsync(guardian, PinRevocationReason.Replaced, cancellationToken);

        for (var attempt = 1; ; attempt++)
        {
            var now = Now();
            var pin1 = codes.Next();
            var pin2 = codes.Next();
            if (await TakenUnderPreviousKeyAsync(pin1, cancellationToken))
            {
                if (attempt >= MaxPin1Attempts)
                {
                    throw new InvalidOperationException($"No unique PIN 1 in {MaxPin1Attempts} attempts.");
                }
                continue;
            }
            var pair = new PinPair(
                guardian.FacilityId,
                guardian.ChildId,
                guardian.Id,
                guardian.Email,
                protector.ProtectPin1(pin1),
                protector.Hash(pin1, pin2),
                staffId,
                now,
                TimeSpan.FromDays(options.Value.ValidityDays));
            var message = outbox.Enqueue(OutboxMessageKind.Pin2, guardian.Email, Pin2Mail.Content(
                    new Pin2MailModel(guardian.Name, child.FirstName, facility.Name, PinCodes.Format(pin2), pair.ExpiresAt, guardian.PreferredLanguage)))
                .About(guardian.FacilityId, guardian.ChildId, guardian.Id, pair.Id);
            pair.AttachPin2Message(message.Id);
            db.PinPairs.Add(pair);
            var data = new Dictionary<string, string>
            {
                ["expiresAt"] = pair.ExpiresAt.ToString("O"),
                ["pin2SentTo"] = guardian.Email,
            };
            if (batchId is { } batch)
            {
                data["batchId"] = batch.ToString();
            }
            var created = audit.RecordPairEvent(AuditActions.PinsCreated, pair, data);
            var announced = webhooks.Raise(WebhookEventTypes.PinPairCreated, pair.FacilityId,
                new PinPairEventData(pair.ChildId, pair.GuardianId, pair.Id, ExpiresAt: pair.ExpiresAt));

            try
            {
                // Inside the explicit transaction EF Core wraps SaveChanges in a savepoint, so a failed
                // insert rolls back only this attempt and the transaction stays usable.
                await db.SaveChangesAsync(cancellationToken);
                return new IssuedPins(pair, PinCodes.Format(pin1), message);
            }
            catch (DbUpdateException ex) when (attempt < MaxPin1Attempts && UniqueIndexes.CodeOf(db, ex) == UniqueIndexes.Pin1Taken)
            {
                // The staged revocation of the old pair stays and commits with the next attempt.
                db.Entry(pair).State = EntityState.Detached;
                db.Entry(message).State = EntityState.Detached;
                db.Entry(created).State = EntityState.Detached;
                db.Entry(announced).State = EntityState.Detached;
            }
        }
    }

    /// <summary>
    /// Issues a new PIN 2 for the guardian's pending pair and queues it by email; PIN 1 and the printed
    /// letter stay valid. At most <see cref="PinOptions.Pin2ResendsPerHour"/> resends per guardian in any
    /// hour, counted from the audit trail in PostgreSQL (so the limit holds across instances).
    /// </summary>
    public async Task<Pin2Reissue> ReissuePin2Async(Guardian guardian, CancellationToken cancellationToken)
    {
        var child = guardian.Child ?? throw new InvalidOperationException("The guardian's child must be loaded.");
        var facility = child.Facility ?? throw new InvalidOperationException("The child's facility must be loaded.");
        await using var transaction = await LockGuardianAsync(guardian, cancellationToken);
        var pair = await FindPendingAsync(guardian, cancellationToken);
        if (pair is null)
        {
            return new Pin2Reissue.NoPendingPair();
        }

        var now = Now();
        var windowStart = now - TimeSpan.FromHours(1);
        var recent = await db.AuditEvents.AsNoTracking()
            .Where(e => e.FacilityId == guardian.FacilityId && e.ChildId == guardian.ChildId && e.GuardianId == guardian.Id
                && e.Action == AuditActions.Pin2Reissued && e.OccurredAt > windowStart)
            .OrderByDescending(e => e.OccurredAt)
            .Select(e => e.OccurredAt)
            .Take(options.Value.Pin2ResendsPerHour)
            .ToListAsync(cancellationToken);
        if (recent.Count >= options.Value.Pin2ResendsPerHour)
        {
            // The oldest resend counted leaves the window first.
            return new Pin2Reissue.RateLimited(recent[^1] + TimeSpan.FromHours(1) - now);
        }

        var pin2 = codes.Next();
        var message = outbox.Enqueue(OutboxMessageKind.Pin2, guardian.Email, Pin2Mail.Content(
                new Pin2MailModel(guardian.Name, child.FirstName, facility.Name, PinCodes.Format(pin2), pair.ExpiresAt, guardian.PreferredLanguage)))
            .About(guardian.FacilityId, guardian.ChildId, guardian.Id, pair.Id);
        // PIN 1 is hashed again with PIN 2: a pair made under a previous hash key moves to the current one.
        pair.ReplacePin2(protector.Hash(protector.UnprotectPin1(pair.Pin1Protected!), pin2), message.Id, now);
        audit.RecordPairEvent(AuditActions.Pin2Reissued, pair, new Dictionary<string, string>
        {
            ["pin2SentTo"] = guardian.Email,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new Pin2Reissue.Reissued(pair, message);
    }

    /// <summary>
    /// Whether a pair hashed with a previous key already has this PIN 1. The unique index compares hashes of one
    /// key only, so during a rotation this query keeps PIN 1 unique among all pairs; without previous keys it costs nothing.
    /// </summary>
    private async Task<bool> TakenUnderPreviousKeyAsync(string pin1, CancellationToken cancellationToken)
    {
        var previous = protector.Pin1Lookups(pin1).PreviousHashes;
        return previous.Length > 0 && await db.PinPairs.AnyAsync(p => previous.Contains(p.Pin1Lookup), cancellationToken);
    }

    /// <summary>Revokes the guardian's pending pair on staff request; false when there is none.</summary>
    public async Task<bool> RevokeAsync(Guardian guardian, CancellationToken cancellationToken)
    {
        await using var transaction = await LockGuardianAsync(guardian, cancellationToken);
        var revoked = await RevokePendingAsync(guardian, PinRevocationReason.RevokedByStaff, cancellationToken);
        if (revoked.Count == 0)
        {
            return false;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Starts a transaction holding the guardian's row lock and reloads the guardian, so the caller sees
    /// the email and pairs as they are after any concurrent change committed. Call before changing anything.
    /// </summary>
    public async Task<IDbContextTransaction> LockGuardianAsync(Guardian guardian, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await LockGuardianRowAsync(guardian, cancellationToken);
        return transaction;
    }

    /// <summary>The guardian's row lock inside the caller's transaction, and the guardian reloaded under it.</summary>
    public async Task LockGuardianRowAsync(Guardian guardian, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM guardians WHERE id = {guardian.Id} FOR UPDATE", cancellationToken);
        await db.Entry(guardian).ReloadAsync(cancellationToken);
    }

    /// <summary>The guardian's pending pair (not redeemed, revoked, locked or expired), tracked for changes.</summary>
    public Task<PinPair?> FindPendingAsync(Guardian guardian, CancellationToken cancellationToken)
    {
        var now = Now();
        return db.PinPairs
            .Where(p => p.GuardianId == guardian.Id && p.FacilityId == guardian.FacilityId && p.State == PinPairState.Pending && p.ExpiresAt > now)
            .OrderByDescending(p => p.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// Stages the revocation of the guardian's pending pairs with their audit events; the caller's
    /// SaveChanges commits them. Expired pairs keep their status. Returns the revoked pairs.
    /// </summary>
    public async Task<IReadOnlyList<PinPair>> RevokePendingAsync(Guardian guardian, PinRevocationReason reason, CancellationToken cancellationToken)
    {
        var now = Now();
        var pending = await db.PinPairs
            .Where(p => p.GuardianId == guardian.Id && p.FacilityId == guardian.FacilityId && p.State == PinPairState.Pending && p.ExpiresAt > now)
            .ToListAsync(cancellationToken);
        foreach (var pair in pending)
        {
            pair.Revoke(reason, now);
            audit.RecordPairEvent(AuditActions.PinsRevoked, pair, new Dictionary<string, string>
            {
                ["reason"] = ReasonName(reason),
            });
            webhooks.Raise(WebhookEventTypes.PinPairRevoked, pair.FacilityId,
                new PinPairEventData(pair.ChildId, pair.GuardianId, pair.Id, Reason: ReasonName(reason)));
        }
        return pending;
    }

    public static string ReasonName(PinRevocationReason reason) => reason switch
    {
        PinRevocationReason.Replaced => "replaced",
        PinRevocationReason.RevokedByStaff => "revoked_by_staff",
        PinRevocationReason.EmailChanged => "email_changed",
        _ => throw new ArgumentOutOfRangeException(nameof(reason)),
    };

    /// <summary>
    /// The clock at PostgreSQL's precision (microseconds), so the expiry in the response, the email and
    /// the letter is the same instant staff read back later.
    /// </summary>
    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
