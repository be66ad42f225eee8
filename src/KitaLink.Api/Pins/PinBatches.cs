using System.Security.Cryptography;
using System.Text;
using KitaLink.Api.Audit;
using KitaLink.Api.Children;
using KitaLink.Api.Guardians;
using KitaLink.Api.Guardians.AddressCheck;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Links;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Pins;

/// <summary>Which guardians a batch covers: exactly one of group, children or every guardian without an account.</summary>
public sealed record PinBatchSelection(string? Group, IReadOnlyList<Guid>? ChildIds, bool AllWithoutAccount);

/// <summary>Outcome of a batch request.</summary>
public abstract record PinBatchResult
{
    private PinBatchResult() { }

    /// <summary>A new batch was made (<c>Replayed</c> false), or a retry found the batch of the first request.</summary>
    public sealed record Done(PinBatch Batch, bool Replayed) : PinBatchResult;

    /// <summary>A child id of the selection is not a child of the caller's facility.</summary>
    public sealed record UnknownChild : PinBatchResult;

    /// <summary>More guardians than <see cref="PinBatch.MaxGuardians"/>.</summary>
    public sealed record TooLarge(int Guardians) : PinBatchResult;

    /// <summary>The request key names a batch of a different request.</summary>
    public sealed record KeyReused : PinBatchResult;
}

/// <summary>
/// PIN pairs for many guardians at once. The whole batch is one transaction under the facility's row lock:
/// every pair with its PIN 2 mail in the outbox, its audit events, and the stored batch with its request key
/// commit together or not at all, and two batches of one facility run one after the other — so a retry
/// (after a timeout, a double click, a crash) either finds the first batch or makes it for the first time,
/// never a second set. Each pair is made by <see cref="PinIssuance.IssueInTransactionAsync"/>, the same code
/// as a single pair.
/// </summary>
public sealed class PinBatches(KitaLinkDbContext db, PinIssuance issuance, AuditTrail audit, TimeProvider time)
{
    public async Task<PinBatchResult> CreateAsync(
        Guid facilityId, Guid staffId, PinBatchSelection selection, bool renewPending, string? requestKey, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // NO KEY UPDATE: serialises batches of the facility without blocking inserts that reference it.
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM facilities WHERE id = {facilityId} FOR NO KEY UPDATE", cancellationToken);

        var requestHash = RequestHashOf(selection, renewPending);
        if (requestKey is not null)
        {
            var keyed = await db.PinBatches.AsNoTracking()
                .SingleOrDefaultAsync(b => b.FacilityId == facilityId && b.RequestKey == requestKey, cancellationToken);
            if (keyed is not null)
            {
                return keyed.RequestHash == requestHash ? new PinBatchResult.Done(keyed, Replayed: true) : new PinBatchResult.KeyReused();
            }
        }

        var guardians = await SelectAsync(facilityId, selection, cancellationToken);
        if (guardians is null)
        {
            return new PinBatchResult.UnknownChild();
        }
        if (guardians.Count > PinBatch.MaxGuardians)
        {
            return new PinBatchResult.TooLarge(guardians.Count);
        }

        var now = time.GetUtcNow();
        var fingerprint = FingerprintOf(requestHash, guardians);
        if (requestKey is null)
        {
            var since = now - PinBatch.FingerprintReplayWindow;
            var recent = await db.PinBatches.AsNoTracking()
                .Where(b => b.FacilityId == facilityId && b.RequestKey == null && b.Fingerprint == fingerprint && b.CreatedAt > since)
                .OrderByDescending(b => b.CreatedAt)
                .FirstOrDefaultAsync(cancellationToken);
            if (recent is not null)
            {
                return new PinBatchResult.Done(recent, Replayed: true);
            }
        }

        // Every guardian's row lock up front, in id order, so the checks below see what the issuance then acts on.
        var ids = guardians.Select(g => g.Id).Order().ToArray();
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM guardians WHERE id = ANY({ids}) ORDER BY id FOR UPDATE", cancellationToken);
        var linked = (await db.ChildLinks.AsNoTracking()
            .Where(l => ids.Contains(l.GuardianId) && l.Status == ChildLinkStatus.Active)
            .Select(l => l.GuardianId)
            .ToListAsync(cancellationToken)).ToHashSet();
        var pending = (await db.PinPairs.AsNoTracking()
            .Where(p => ids.Contains(p.GuardianId) && p.FacilityId == facilityId && p.State == PinPairState.Pending && p.ExpiresAt > now)
            .Select(p => p.GuardianId)
            .ToListAsync(cancellationToken)).ToHashSet();

        var batch = new PinBatch(facilityId, staffId, requestKey, requestHash, fingerprint, renewPending, now);
        foreach (var guardian in guardians)
        {
            var (outcome, reason) = Decide(guardian, linked.Contains(guardian.Id), pending.Contains(guardian.Id), renewPending);
            Guid? pairId = null;
            if (outcome == PinBatchOutcome.Created)
            {
                var issued = await issuance.IssueInTransactionAsync(guardian, staffId, cancellationToken, batch.Id);
                pairId = issued.Pair.Id;
            }
            batch.Add(guardian.Id, guardian.ChildId, outcome, reason, pairId);
        }
        db.PinBatches.Add(batch);
        audit.Record(AuditActions.PinBatchCreated, e => e.FacilityId = facilityId, new Dictionary<string, string>
        {
            ["batchId"] = batch.Id.ToString(),
            ["created"] = Count(batch, PinBatchOutcome.Created),
            ["skipped"] = Count(batch, PinBatchOutcome.Skipped),
            ["refused"] = Count(batch, PinBatchOutcome.Refused),
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new PinBatchResult.Done(batch, Replayed: false);
    }

    /// <summary>
    /// What the batch does for one guardian. State first (nothing to do), then the address (would create,
    /// but PIN 2 could not be sent safely).
    /// </summary>
    internal static (PinBatchOutcome Outcome, string? Reason) Decide(Guardian guardian, bool linked, bool pending, bool renewPending)
    {
        if (guardian.Child!.Status == ChildStatus.Left)
        {
            return (PinBatchOutcome.Skipped, PinBatchReasons.ChildLeft);
        }
        if (linked)
        {
            return (PinBatchOutcome.Skipped, PinBatchReasons.AlreadyLinked);
        }
        if (pending && !renewPending)
        {
            return (PinBatchOutcome.Skipped, PinBatchReasons.PendingPair);
        }
        if (string.IsNullOrWhiteSpace(guardian.Email))
        {
            return (PinBatchOutcome.Refused, PinBatchReasons.AddressMissing);
        }
        if (IsAddressSuspect(guardian))
        {
            return (PinBatchOutcome.Refused, PinBatchReasons.AddressSuspect);
        }
        return (PinBatchOutcome.Created, null);
    }

    /// <summary>
    /// An address the check found suspect and staff kept (<c>confirmSuspectEmail</c>) is not sent PIN 2 by a batch:
    /// the onboarding overview lists it as <c>address_suspect</c> ("check it with the parent"), and staff create that
    /// guardian's PINs one by one once the address is checked.
    /// </summary>
    internal static bool IsAddressSuspect(Guardian guardian) => guardian.EmailCheckResult == EmailCheckResult.SuspectConfirmed;

    /// <summary>
    /// The guardians of the selection in letter order: group (none last), child's last and first name, then
    /// guardian name. Null when a given child id is not a child of the facility (nothing is made then).
    /// </summary>
    private async Task<List<Guardian>?> SelectAsync(Guid facilityId, PinBatchSelection selection, CancellationToken cancellationToken)
    {
        var query = db.Guardians
            .Include(g => g.Child!).ThenInclude(c => c.Facility)
            .Where(g => g.FacilityId == facilityId && g.Child!.FacilityId == facilityId);
        if (selection.ChildIds is { } childIds)
        {
            var distinct = childIds.Distinct().ToList();
            var found = await db.Children.CountAsync(c => c.FacilityId == facilityId && distinct.Contains(c.Id), cancellationToken);
            if (found != distinct.Count)
            {
                return null;
            }
            query = query.Where(g => distinct.Contains(g.ChildId));
        }
        else if (selection.Group is { } group)
        {
            var name = group.Trim().ToLower();
            query = query.Where(g => g.Child!.Status == ChildStatus.Active && g.Child.Group != null && g.Child.Group.ToLower() == name);
        }
        else
        {
            query = query.Where(g => g.Child!.Status == ChildStatus.Active
                && !db.ChildLinks.Any(l => l.GuardianId == g.Id && l.Status == ChildLinkStatus.Active));
        }
        // One more than allowed is enough to refuse a too large batch.
        var guardians = await query
            .OrderBy(g => g.Child!.Group == null).ThenBy(g => g.Child!.Group)
            .ThenBy(g => g.Child!.LastName).ThenBy(g => g.Child!.FirstName).ThenBy(g => g.ChildId)
            .ThenBy(g => g.Name).ThenBy(g => g.Id)
            .Take(PinBatch.MaxGuardians + 1)
            .ToListAsync(cancellationToken);
        return guardians;
    }

    internal static string RequestHashOf(PinBatchSelection selection, bool renewPending)
    {
        var canonical = new StringBuilder("v1|");
        if (selection.ChildIds is { } ids)
        {
            canonical.Append("children|").AppendJoin(',', ids.Distinct().Order());
        }
        else if (selection.Group is { } group)
        {
            canonical.Append("group|").Append(group.Trim().ToLowerInvariant());
        }
        else
        {
            canonical.Append("all-without-account");
        }
        canonical.Append("|renew=").Append(renewPending ? '1' : '0');
        return Hash(canonical.ToString());
    }

    internal static string FingerprintOf(string requestHash, IEnumerable<Guardian> guardians) =>
        Hash(requestHash + "|" + string.Join(',', guardians.Select(g => g.Id).Order()));

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static string Count(PinBatch batch, PinBatchOutcome outcome) =>
        batch.Entries.Count(e => e.Outcome == outcome).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
