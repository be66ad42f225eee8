using System.Diagnostics.CodeAnalysis;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Children;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Links;
using KitaLink.Api.Webhooks;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KitaLink.Api.Pins;

/// <summary>The result of a redemption: the account and its new link, or the problem to answer with.</summary>
public sealed class RedemptionOutcome
{
    private RedemptionOutcome(ParentAccount? account, ChildLink? link, ApiProblem? problem)
    {
        Account = account;
        Link = link;
        Problem = problem;
    }

    public ParentAccount? Account { get; }
    public ChildLink? Link { get; }
    public ApiProblem? Problem { get; }

    [MemberNotNullWhen(true, nameof(Account), nameof(Link))]
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool Succeeded => Problem is null;

    public static RedemptionOutcome Linked(ParentAccount account, ChildLink link) => new(account, link, null);

    public static RedemptionOutcome Failed(ApiProblem problem) => new(null, null, problem);
}

/// <summary>
/// Redeems a PIN pair for both linking paths: registration (<c>POST /accounts</c>) and adding a child to
/// an existing account (<c>POST /me/children</c>).
/// <para>
/// The pair row is locked (<c>SELECT ... FOR UPDATE</c>) for the whole transaction, so concurrent
/// redemptions of one pair serialise: the first one redeems, every later one sees <c>redeemed</c>.
/// The unique indexes on the account's normalised email, on (account, child) and on the link's pair
/// back the same rules for races that the row lock does not cover (two pairs, one email).
/// </para>
/// </summary>
public sealed partial class PinRedemption(
    KitaLinkDbContext db,
    PinProtector pins,
    PasswordHashing hashing,
    AuditTrail audit,
    WebhookEvents webhooks,
    TimeProvider time,
    PinPairClaims claims,
    ILogger<PinRedemption> logger)
{
    // Compared against when PIN 1 is unknown, so both paths do the same hashing work.
    private static readonly byte[] s_noPin2Hash = new byte[32];

    /// <summary>The pair PIN 1 names (null when unknown), what <see cref="PinCheck"/> says at <paramref name="Now"/>, and the guardian's email it compared with.</summary>
    private sealed record PinLook(PinPair? Pair, PinCheckResult Check, string GuardianEmail, DateTimeOffset Now);

    /// <summary>First child, no account yet: creates the account with its password and the link atomically.</summary>
    public async Task<RedemptionOutcome> RegisterAsync(string email, string password, string pin1Input, string pin2Input, CancellationToken cancellationToken)
    {
        if (PinCodes.Normalize(pin1Input) is not { } pin1 || PinCodes.Normalize(pin2Input) is not { } pin2)
        {
            return RedemptionOutcome.Failed(ApiProblem.Of(ErrorCodes.PinsInvalid));
        }
        // Per-pair claim (PinPairClaims): parallel registrations of one pair run one after the other in this
        // instance, so only the first hashes; the rest find the pair redeemed in the unlocked look below.
        using var claim = await claims.ClaimAsync(pins.Pin1Lookup(pin1), cancellationToken);

        // The password is hashed (~100 ms) before the pair is locked, and only when the PINs and the email
        // would be accepted right now, so wrong PINs cost no hashing. The locked look below decides again.
        var unlocked = await LookAsync(pin1, pin2, email, forUpdate: false, cancellationToken);
        var passwordHash = unlocked.Check.Verdict == PinVerdict.Proceed && !await AccountExistsAsync(email, cancellationToken)
            ? await hashing.HashAsync(password, cancellationToken)
            : null;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var look = await LookAsync(pin1, pin2, email, forUpdate: true, cancellationToken);
        if (look.Pair is not { } pair || look.Check.Verdict != PinVerdict.Proceed)
        {
            return await RefuseAsync(look, email, cancellationToken);
        }
        var now = look.Now;
        if (await AccountExistsAsync(email, cancellationToken))
        {
            return await RefuseByCaseRuleAsync(pair, ApiProblem.Of(ErrorCodes.AccountExists), cancellationToken);
        }

        var account = new ParentAccount(email, now);
        // Hashed under the lock only when the pair became redeemable between the two looks (rare).
        account.SetPasswordHash(passwordHash ?? await hashing.HashAsync(password, cancellationToken), now);
        db.ParentAccounts.Add(account);
        audit.RecordPairEvent(AuditActions.AccountCreated, pair.FacilityId, pair.ChildId, pair.GuardianId, pairId: null, accountId: account.Id);
        return await RedeemAsync(pair, account, now, cancellationToken);
    }

    /// <summary>
    /// Another child for an existing account (sibling or second facility); with <paramref name="replacesChildId"/>
    /// the child changed facility and the link to its old record is archived.
    /// </summary>
    public async Task<RedemptionOutcome> LinkAsync(Guid accountId, string pin1Input, string pin2Input, Guid? replacesChildId, CancellationToken cancellationToken)
    {
        var account = await db.ParentAccounts.SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            // Deleted between token check and now.
            return RedemptionOutcome.Failed(ApiProblem.Of(ErrorCodes.Unauthenticated));
        }
        if (PinCodes.Normalize(pin1Input) is not { } pin1 || PinCodes.Normalize(pin2Input) is not { } pin2)
        {
            return RedemptionOutcome.Failed(ApiProblem.Of(ErrorCodes.PinsInvalid));
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var look = await LookAsync(pin1, pin2, account.Email, forUpdate: true, cancellationToken);
        if (look.Pair is not { } pair || look.Check.Verdict != PinVerdict.Proceed)
        {
            return await RefuseAsync(look, account.Email, cancellationToken);
        }
        var now = look.Now;
        if (await db.ChildLinks.AnyAsync(l => l.AccountId == account.Id && l.ChildId == pair.ChildId, cancellationToken))
        {
            return await RefuseByCaseRuleAsync(pair, ApiProblem.Of(ErrorCodes.ChildAlreadyLinked), cancellationToken);
        }
        if (replacesChildId is { } previousChildId
            && await ArchivePreviousLinkAsync(account, previousChildId, pair, now, cancellationToken) is { } refusal)
        {
            return await RefuseByCaseRuleAsync(pair, refusal, cancellationToken);
        }
        return await RedeemAsync(pair, account, now, cancellationToken);
    }

    /// <summary>
    /// Finds the pair by PIN 1 (locked with <c>FOR UPDATE</c> when <paramref name="forUpdate"/>, otherwise read
    /// without tracking) and runs <see cref="PinCheck"/>. PIN 2 is always compared, even against nothing.
    /// </summary>
    private async Task<PinLook> LookAsync(string pin1, string pin2, string presentedEmail, bool forUpdate, CancellationToken ct)
    {
        // PIN 1 hashed under the current and every previous hash key, all looked up in one indexed query.
        var lookups = pins.Pin1Lookups(pin1);
        var hashes = lookups.Hashes;
        var found = forUpdate
            // xmin is a system column: SELECT * does not return it, but EF maps it as the row version.
            ? await db.PinPairs.FromSql($"SELECT p.*, p.xmin FROM pin_pairs AS p WHERE p.pin1lookup = ANY({hashes}) FOR UPDATE").ToListAsync(ct)
            : await db.PinPairs.AsNoTracking().Where(p => hashes.Contains(p.Pin1Lookup)).ToListAsync(ct);
        var pair = lookups.PairAmong(found);
        // PIN 2 is checked with the key version that made the pair's hashes.
        var pin2Matches = pins.Pin2Matches(pin2, pair?.Pin2Hash ?? s_noPin2Hash, pair?.HashKeyVersion ?? pins.CurrentKeyVersion);
        // The guardian's email matters only once both PINs are right.
        var guardianEmail = pair is not null && pin2Matches
            ? await db.Guardians.Where(g => g.Id == pair.GuardianId).Select(g => g.Email).SingleAsync(ct)
            : "";
        var now = time.GetUtcNow();
        return new PinLook(pair, PinCheck.Evaluate(pair, pin2Matches, presentedEmail, guardianEmail, now), guardianEmail, now);
    }

    private Task<bool> AccountExistsAsync(string email, CancellationToken ct)
    {
        var normalized = EmailAddress.Normalize(email);
        return db.ParentAccounts.AnyAsync(a => a.NormalizedEmail == normalized, ct);
    }

    /// <summary>Locked so two parallel moves cannot both archive (and re-point) the same old link. Returns the refusal, if any.</summary>
    private async Task<ApiProblem?> ArchivePreviousLinkAsync(ParentAccount account, Guid previousChildId, PinPair pair, DateTimeOffset now, CancellationToken ct)
    {
        var previous = await db.ChildLinks
            .FromSql($"SELECT * FROM child_links WHERE account_id = {account.Id} AND child_id = {previousChildId} FOR UPDATE")
            .SingleOrDefaultAsync(ct);
        if (previous is null || previous.Status != ChildLinkStatus.Active)
        {
            return ApiProblem.NotFound();
        }
        var previousChild = await db.Children
            .Where(c => c.Id == previousChildId)
            .Select(c => new { c.Status, c.FacilityId })
            .SingleAsync(ct);
        if (previousChild.Status == ChildStatus.Active)
        {
            return ApiProblem.Of(ErrorCodes.PreviousChildStillActive);
        }
        previous.Archive(pair.ChildId, now);
        audit.RecordPairEvent(AuditActions.ChildLinkArchived, previousChild.FacilityId, previousChildId, previous.GuardianId, pairId: null,
            new Dictionary<string, string> { ["replacedByChildId"] = pair.ChildId.ToString() }, account.Id);
        webhooks.Raise(WebhookEventTypes.ChildLinkArchived, previousChild.FacilityId,
            new ChildLinkArchivedData(previousChildId, previous.GuardianId, account.Id, previous.Id, pair.ChildId));
        return null;
    }

    /// <summary>The pair is redeemed and the link made; a race lost to a parallel request becomes its error code.</summary>
    private async Task<RedemptionOutcome> RedeemAsync(PinPair pair, ParentAccount account, DateTimeOffset now, CancellationToken ct)
    {
        pair.Redeem(account.Id, now);
        var link = new ChildLink(account.Id, pair.ChildId, pair.GuardianId, pair.Id, now);
        db.ChildLinks.Add(link);
        audit.RecordPairEvent(AuditActions.PinsRedeemed, pair, accountId: account.Id);
        // Staff see which email the parent registered with (the help desk view).
        audit.RecordPairEvent(AuditActions.ChildLinked, pair, new Dictionary<string, string> { ["accountEmail"] = account.Email }, account.Id);
        // The facility sees the registered email in the help desk view, so its endpoints get it; the operator's do not.
        webhooks.Raise(WebhookEventTypes.GuardianLinked, pair.FacilityId,
            new GuardianLinkedData(pair.ChildId, pair.GuardianId, pair.Id, account.Id, link.Id, account.Email),
            new GuardianLinkedData(pair.ChildId, pair.GuardianId, pair.Id, account.Id, link.Id));
        try
        {
            await CommitAsync(ct);
        }
        catch (DbUpdateException exception) when (UniqueIndexes.CodeOf(db, exception) is { } code)
        {
            // A parallel request won the race the row lock cannot cover (another pair, same email or child).
            db.ChangeTracker.Clear();
            LogRefusedByCaseRule(logger, pair.Id, code);
            return RedemptionOutcome.Failed(ApiProblem.Of(code));
        }
        LogRedeemed(logger, pair.Id, account.Id, link.Id);
        return RedemptionOutcome.Linked(account, link);
    }

    /// <summary>
    /// A failed check: the attempt is counted on the pair when the check says so (and may lock it), and every
    /// refusal is evidence in the audit trail, even without a pair (actor, client address).
    /// </summary>
    private async Task<RedemptionOutcome> RefuseAsync(PinLook look, string presentedEmail, CancellationToken ct)
    {
        var (pair, check, guardianEmail, now) = look;
        if (pair is null)
        {
            audit.Record(AuditActions.PinsAttemptFailed, data: new Dictionary<string, string> { ["reason"] = "unknown_pin1" });
            await CommitAsync(ct);
            LogUnknownPin1(logger);
            return RedemptionOutcome.Failed(ApiProblem.Of(ErrorCodes.PinsInvalid));
        }
        if (check.AttemptCounted)
        {
            pair.RecordFailedAttempt(now);
            var reason = check.Verdict == PinVerdict.Invalid ? "wrong_pin2" : "email_mismatch";
            var data = new Dictionary<string, string>
            {
                ["reason"] = reason,
                ["failedAttempts"] = pair.FailedAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            if (reason == "email_mismatch")
            {
                // The PINs were right, so this is the entitled parent with a typo: staff see the masked address (enough to
                // answer "which email did you use?"), in the audit trail as in the help desk view; never the full one.
                var masked = EmailAddress.Mask(presentedEmail);
                data["attemptedEmail"] = masked;
                db.WrongEmailAttempts.Add(new WrongEmailAttempt(pair.Id, masked, now));
            }
            audit.RecordPairEvent(AuditActions.PinsAttemptFailed, pair, data);
            if (check.LockedNow)
            {
                audit.RecordPairEvent(AuditActions.PinsLocked, pair);
                webhooks.Raise(WebhookEventTypes.PinPairLocked, pair.FacilityId,
                    new PinPairEventData(pair.ChildId, pair.GuardianId, pair.Id, FailedAttempts: pair.FailedAttempts));
                LogLocked(logger, pair.Id);
            }
        }
        else
        {
            RecordUncountedRefusal(pair, check.Verdict == PinVerdict.Invalid ? "wrong_pin2" : PinCheck.CodeOf(check.Verdict));
        }
        await CommitAsync(ct);
        LogRefused(logger, pair.Id, check.Verdict);
        return RedemptionOutcome.Failed(PinCheck.ToProblem(check.Verdict, guardianEmail));
    }

    /// <summary>A case rule refused after the check passed; nothing was staged, and the pair stays pending.</summary>
    private async Task<RedemptionOutcome> RefuseByCaseRuleAsync(PinPair pair, ApiProblem problem, CancellationToken ct)
    {
        RecordUncountedRefusal(pair, problem.Code);
        await CommitAsync(ct);
        LogRefusedByCaseRule(logger, pair.Id, problem.Code);
        return RedemptionOutcome.Failed(problem);
    }

    /// <summary>A refused redemption that does not count against the pair (e.g. used or expired PINs, an existing account).</summary>
    private void RecordUncountedRefusal(PinPair pair, string reason) =>
        audit.RecordPairEvent(AuditActions.PinsAttemptFailed, pair, new Dictionary<string, string> { ["reason"] = reason, ["counted"] = "false" });

    private async Task CommitAsync(CancellationToken ct)
    {
        await db.SaveChangesAsync(ct);
        await db.Database.CommitTransactionAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PIN pair {PinPairId} redeemed by account {AccountId} (link {LinkId})")]
    private static partial void LogRedeemed(ILogger logger, Guid pinPairId, Guid accountId, Guid linkId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redemption of PIN pair {PinPairId} refused: {Verdict}")]
    private static partial void LogRefused(ILogger logger, Guid pinPairId, PinVerdict verdict);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redemption of PIN pair {PinPairId} refused: {Code}")]
    private static partial void LogRefusedByCaseRule(ILogger logger, Guid pinPairId, string code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redemption refused: no pair has the presented PIN 1")]
    private static partial void LogUnknownPin1(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PIN pair {PinPairId} locked after too many failed attempts")]
    private static partial void LogLocked(ILogger logger, Guid pinPairId);
}
