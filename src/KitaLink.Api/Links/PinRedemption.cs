using System.Diagnostics.CodeAnalysis;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Children;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Pins;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KitaLink.Api.Links;

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
    TimeProvider time,
    ILogger<PinRedemption> logger)
{
    // Compared against when PIN 1 is unknown, so both paths do the same hashing work.
    private static readonly byte[] s_noPin2Hash = new byte[32];

    private delegate Task<LinkTarget> CaseRules(PinPair pair, DateTimeOffset now, CancellationToken cancellationToken);

    private readonly record struct LinkTarget(ParentAccount? Account, ApiProblem? Problem)
    {
        public static LinkTarget To(ParentAccount account) => new(account, null);

        public static LinkTarget Refused(ApiProblem problem) => new(null, problem);
    }

    /// <summary>First child, no account yet: creates the account with its password and the link atomically.</summary>
    public async Task<RedemptionOutcome> RegisterAsync(string email, string password, string pin1, string pin2, CancellationToken cancellationToken)
    {
        // The password is hashed (~100 ms) before the pair is locked, and only when the PINs and the email
        // would be accepted right now, so wrong PINs cost no hashing. The locked redemption decides again.
        var passwordHash = await WouldRegisterAsync(email, pin1, pin2, cancellationToken)
            ? await hashing.HashAsync(password, cancellationToken)
            : null;
        return await RedeemAsync(pin1, pin2, email, async (pair, now, ct) =>
        {
            var normalized = EmailAddress.Normalize(email);
            if (await db.ParentAccounts.AnyAsync(a => a.NormalizedEmail == normalized, ct))
            {
                return LinkTarget.Refused(ApiProblem.Of(ErrorCodes.AccountExists));
            }
            var account = new ParentAccount(email, now);
            // Hashed under the lock only when the pair became redeemable between the two looks (rare).
            account.SetPasswordHash(passwordHash ?? await hashing.HashAsync(password, ct), now);
            db.ParentAccounts.Add(account);
            audit.Record(AuditActions.AccountCreated, e =>
            {
                e.AccountId = account.Id;
                e.FacilityId = pair.FacilityId;
                e.ChildId = pair.ChildId;
                e.GuardianId = pair.GuardianId;
            });
            return LinkTarget.To(account);
        }, cancellationToken);
    }

    /// <summary>A read without locks or side effects: would a registration with these PINs and this email proceed now?</summary>
    private async Task<bool> WouldRegisterAsync(string email, string pin1Input, string pin2Input, CancellationToken ct)
    {
        if (PinCodes.Normalize(pin1Input) is not { } pin1 || PinCodes.Normalize(pin2Input) is not { } pin2)
        {
            return false;
        }
        var lookup = pins.Pin1Lookup(pin1);
        var pair = await db.PinPairs.AsNoTracking().SingleOrDefaultAsync(p => p.Pin1Lookup == lookup, ct);
        if (pair is null || !pins.Pin2Matches(pin2, pair.Pin2Hash))
        {
            return false;
        }
        var guardianEmail = await db.Guardians.Where(g => g.Id == pair.GuardianId).Select(g => g.Email).SingleAsync(ct);
        var normalized = EmailAddress.Normalize(email);
        return PinCheck.Evaluate(pair, pin2Matches: true, email, guardianEmail, time.GetUtcNow()).Verdict == PinVerdict.Proceed
            && !await db.ParentAccounts.AnyAsync(a => a.NormalizedEmail == normalized, ct);
    }

    /// <summary>
    /// Another child for an existing account (sibling or second facility); with <paramref name="replacesChildId"/>
    /// the child changed facility and the link to its old record is archived.
    /// </summary>
    public async Task<RedemptionOutcome> LinkAsync(Guid accountId, string pin1, string pin2, Guid? replacesChildId, CancellationToken cancellationToken)
    {
        var account = await db.ParentAccounts.SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            // Deleted between token check and now.
            return RedemptionOutcome.Failed(ApiProblem.Of(ErrorCodes.Unauthenticated));
        }
        return await RedeemAsync(pin1, pin2, account.Email, async (pair, now, ct) =>
        {
            if (await db.ChildLinks.AnyAsync(l => l.AccountId == account.Id && l.ChildId == pair.ChildId, ct))
            {
                return LinkTarget.Refused(ApiProblem.Of(ErrorCodes.ChildAlreadyLinked));
            }
            if (replacesChildId is { } previousChildId)
            {
                var refusal = await ArchivePreviousLinkAsync(account, previousChildId, pair, now, ct);
                if (refusal is not null)
                {
                    return LinkTarget.Refused(refusal);
                }
            }
            return LinkTarget.To(account);
        }, cancellationToken);
    }

    private async Task<ApiProblem?> ArchivePreviousLinkAsync(ParentAccount account, Guid previousChildId, PinPair pair, DateTimeOffset now, CancellationToken ct)
    {
        // Locked so two parallel moves cannot both archive (and re-point) the same old link.
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
        audit.Record(AuditActions.ChildLinkArchived, e =>
        {
            e.AccountId = account.Id;
            e.FacilityId = previousChild.FacilityId;
            e.ChildId = previousChildId;
            e.GuardianId = previous.GuardianId;
        }, new Dictionary<string, string> { ["replacedByChildId"] = pair.ChildId.ToString() });
        return null;
    }

    private async Task<RedemptionOutcome> RedeemAsync(string pin1Input, string pin2Input, string presentedEmail, CaseRules caseRules, CancellationToken ct)
    {
        var pin1 = PinCodes.Normalize(pin1Input);
        var pin2 = PinCodes.Normalize(pin2Input);
        if (pin1 is null || pin2 is null)
        {
            return RedemptionOutcome.Failed(ApiProblem.Of(ErrorCodes.PinsInvalid));
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var lookup = pins.Pin1Lookup(pin1);
        // xmin is a system column: SELECT * does not return it, but EF maps it as the row version.
        var pair = await db.PinPairs
            .FromSql($"SELECT p.*, p.xmin FROM pin_pairs AS p WHERE p.pin1lookup = {lookup} FOR UPDATE")
            .SingleOrDefaultAsync(ct);
        var pin2Matches = pins.Pin2Matches(pin2, pair?.Pin2Hash ?? s_noPin2Hash);
        if (pair is null)
        {
            // No pair to count against, but the attempt is still evidence of guessing (actor, client address).
            audit.Record(AuditActions.PinsAttemptFailed, data: new Dictionary<string, string> { ["reason"] = "unknown_pin1" });
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            LogUnknownPin1(logger);
            return RedemptionOutcome.Failed(ApiProblem.Of(ErrorCodes.PinsInvalid));
        }

        var now = time.GetUtcNow();
        var guardianEmail = await db.Guardians.Where(g => g.Id == pair.GuardianId).Select(g => g.Email).SingleAsync(ct);
        var check = PinCheck.Evaluate(pair, pin2Matches, presentedEmail, guardianEmail, now);
        if (check.Verdict != PinVerdict.Proceed)
        {
            if (check.AttemptCounted)
            {
                RecordFailedAttempt(pair, check, presentedEmail);
            }
            else
            {
                RecordRefusal(pair, check.Verdict == PinVerdict.Invalid ? "wrong_pin2" : PinCheck.ToProblem(check.Verdict, guardianEmail).Code);
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            LogRefused(logger, pair.Id, check.Verdict);
            return RedemptionOutcome.Failed(PinCheck.ToProblem(check.Verdict, guardianEmail));
        }

        var target = await caseRules(pair, now, ct);
        if (target.Problem is not null)
        {
            // The case rules staged nothing; the refusal is recorded and the pair stays pending.
            RecordRefusal(pair, target.Problem.Code);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            LogRefusedByCaseRule(logger, pair.Id, target.Problem.Code);
            return RedemptionOutcome.Failed(target.Problem);
        }
        var account = target.Account!;

        pair.Redeem(account.Id, now);
        var link = new ChildLink(account.Id, pair.ChildId, pair.GuardianId, pair.Id, now);
        db.ChildLinks.Add(link);
        void Describe(AuditEvent e)
        {
            e.AccountId = account.Id;
            e.FacilityId = pair.FacilityId;
            e.ChildId = pair.ChildId;
            e.GuardianId = pair.GuardianId;
            e.PinPairId = pair.Id;
        }
        audit.Record(AuditActions.PinsRedeemed, Describe);
        // Staff see which email the parent registered with (the help desk view).
        audit.Record(AuditActions.ChildLinked, Describe, new Dictionary<string, string> { ["accountEmail"] = account.Email });

        try
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException exception) when (UniqueViolationCode(exception) is { } code)
        {
            // A parallel request won the race the row lock cannot cover (another pair, same email or child).
            db.ChangeTracker.Clear();
            LogRefusedByCaseRule(logger, pair.Id, code);
            return RedemptionOutcome.Failed(ApiProblem.Of(code));
        }
        LogRedeemed(logger, pair.Id, account.Id, link.Id);
        return RedemptionOutcome.Linked(account, link);
    }

    private void RecordFailedAttempt(PinPair pair, PinCheckResult check, string presentedEmail)
    {
        var reason = check.Verdict == PinVerdict.Invalid ? "wrong_pin2" : "email_mismatch";
        var data = new Dictionary<string, string>
        {
            ["reason"] = reason,
            ["failedAttempts"] = pair.FailedAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (reason == "email_mismatch")
        {
            // The PINs were right, so this is the entitled parent with a typo: staff need the address to help.
            data["attemptedEmail"] = presentedEmail.Trim();
            // Wrong-email attempt for the help desk view: only the masked address, stored with the pair (issue 12).
            db.WrongEmailAttempts.Add(new WrongEmailAttempt(pair.Id, EmailAddress.Mask(presentedEmail), time.GetUtcNow()));
        }
        void Describe(AuditEvent e)
        {
            e.FacilityId = pair.FacilityId;
            e.ChildId = pair.ChildId;
            e.GuardianId = pair.GuardianId;
            e.PinPairId = pair.Id;
        }
        audit.Record(AuditActions.PinsAttemptFailed, Describe, data);
        if (check.LockedNow)
        {
            audit.Record(AuditActions.PinsLocked, Describe);
            LogLocked(logger, pair.Id);
        }
    }

    /// <summary>A refused redemption that does not count against the pair (e.g. used or expired PINs, an existing account).</summary>
    private void RecordRefusal(PinPair pair, string reason) =>
        audit.Record(AuditActions.PinsAttemptFailed, e =>
        {
            e.FacilityId = pair.FacilityId;
            e.ChildId = pair.ChildId;
            e.GuardianId = pair.GuardianId;
            e.PinPairId = pair.Id;
        }, new Dictionary<string, string> { ["reason"] = reason, ["counted"] = "false" });

    private static string? UniqueViolationCode(DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } postgres
            ? postgres.ConstraintName switch
            {
                "ix_parent_accounts_normalized_email" => ErrorCodes.AccountExists,
                "ix_child_links_account_id_child_id" => ErrorCodes.ChildAlreadyLinked,
                "ix_child_links_pin_pair_id" => ErrorCodes.PinsAlreadyUsed,
                _ => null,
            }
            : null;

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
