using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Staff;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Auth;

/// <summary>Whose password a reset is for: the parent endpoints reset parent accounts, the staff endpoints staff accounts.</summary>
public enum PasswordResetSubject
{
    Parent,
    Staff,
}

/// <summary>
/// Password reset by emailed code, the same rules for parents and staff: a request always answers 202 and
/// writes one audit event whatever the case; at most <see cref="MaxEmailsPerHour"/> mails per account and hour;
/// the mail goes through the outbox in the same transaction as its token; a code works once, for
/// <see cref="TokenLifetime"/>, and using one ends every earlier code of the account.
/// </summary>
public sealed class PasswordResets(KitaLinkDbContext db, MailOutbox outbox, AuditTrail audit, PasswordHashing hashing, TimeProvider time)
{
    /// <summary>A reset code is valid this long.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    /// <summary>Reset emails per account and hour; more requests still get 202 but send nothing (no mail bombing).</summary>
    public const int MaxEmailsPerHour = 3;

    /// <summary>Stages the token, its mail and the audit event, and saves them.</summary>
    public async Task RequestAsync(PasswordResetSubject subject, string email, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var normalized = EmailAddress.Normalize(email);
        var owner = subject == PasswordResetSubject.Parent
            ? await db.ParentAccounts.AsNoTracking().Where(a => a.NormalizedEmail == normalized)
                .Select(a => new Owner(a.Id, a.Email, null, true)).SingleOrDefaultAsync(cancellationToken)
            : await db.StaffMembers.AsNoTracking().Where(s => s.NormalizedEmail == normalized)
                .Select(s => new Owner(s.Id, s.Email, s.FacilityId, s.DeactivatedAt == null)).SingleOrDefaultAsync(cancellationToken);
        // Every request is recorded, one database write whatever the case, so neither the answer nor much
        // of its timing tells whether the account exists.
        if (owner is null)
        {
            audit.Record(AuditActions.PasswordResetRequested, e => e.ActorName = EmailAddress.Mask(email),
                Data(subject, null, ("mailed", "false"), ("reason", "unknown_account")));
        }
        else if (!owner.Active)
        {
            // A deactivated staff account gets no code: it could not sign in with the new password anyway.
            audit.Record(AuditActions.PasswordResetRequested, e => About(e, subject, owner),
                Data(subject, owner, ("mailed", "false"), ("reason", "deactivated")));
        }
        else if (await RecentTokens(subject, owner.Id, now).CountAsync(cancellationToken) >= MaxEmailsPerHour)
        {
            audit.Record(AuditActions.PasswordResetRequested, e => About(e, subject, owner),
                Data(subject, owner, ("mailed", "false"), ("reason", "hourly_limit")));
        }
        else
        {
            var secret = SecretTokens.Generate();
            var token = subject == PasswordResetSubject.Parent
                ? PasswordResetToken.ForParent(owner.Id, SecretTokens.Hash(secret), now, TokenLifetime)
                : PasswordResetToken.ForStaff(owner.Id, SecretTokens.Hash(secret), now, TokenLifetime);
            db.PasswordResetTokens.Add(token);
            // Same SaveChanges as the token: the mail goes out if and only if the token exists.
            var message = outbox.Enqueue(OutboxMessageKind.PasswordReset, owner.Email,
                MailTemplates.PasswordReset(new PasswordResetMailModel(secret, token.ExpiresAt)));
            if (subject == PasswordResetSubject.Parent)
            {
                message.About(accountId: owner.Id);
            }
            else
            {
                message.About(facilityId: owner.FacilityId);
            }
            audit.Record(AuditActions.PasswordResetRequested, e => About(e, subject, owner), Data(subject, owner, ("mailed", "true")));
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// In the caller's transaction: uses the code, sets the new password (which revokes the account's access
    /// tokens), lifts a lockout, ends the account's other codes and stages the audit event. The caller ends
    /// further sessions of its kind (a parent's refresh tokens), saves and commits. Null when the code is
    /// unknown, used, expired, of the other kind of account, or of a deactivated staff account.
    /// </summary>
    public async Task<IPasswordCredential?> RedeemAsync(
        PasswordResetSubject subject, string code, string newPassword, CancellationToken cancellationToken)
    {
        var hash = SecretTokens.Hash(code);
        // Locked, so a code used twice in parallel sets the password once.
        var token = await db.PasswordResetTokens
            .FromSql($"SELECT * FROM password_reset_tokens WHERE token_hash = {hash} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        var now = time.GetUtcNow();
        if (token is null || !token.IsUsableAt(now))
        {
            return null;
        }
        var passwordHash = await hashing.HashAsync(newPassword, cancellationToken);
        IPasswordCredential credential;
        Owner owner;
        if (subject == PasswordResetSubject.Parent && token.AccountId is { } accountId)
        {
            var account = await db.ParentAccounts.SingleAsync(a => a.Id == accountId, cancellationToken);
            account.SetPasswordHash(passwordHash, now);
            (credential, owner) = (account, new Owner(account.Id, account.Email, null, true));
        }
        else if (subject == PasswordResetSubject.Staff && token.StaffMemberId is { } staffId
            && await db.StaffMembers.SingleAsync(s => s.Id == staffId, cancellationToken) is { IsActive: true } staff)
        {
            staff.SetPasswordHash(passwordHash, now);
            (credential, owner) = (staff, new Owner(staff.Id, staff.Email, staff.FacilityId, true));
        }
        else
        {
            return null;
        }
        // Whoever reads the mailbox owns the account: a lockout from someone else's guessing ends here.
        credential.RecordSuccessfulLogin();
        token.Use(now);
        // Earlier reset emails of the account stop working too.
        await OwnTokens(subject, owner.Id)
            .Where(t => t.UsedAt == null && t.Id != token.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), cancellationToken);
        audit.Record(AuditActions.PasswordResetCompleted, e => About(e, subject, owner), Data(subject, owner));
        return credential;
    }

    /// <summary>Ends the staff account's unused codes (deactivation).</summary>
    public Task<int> EndStaffCodesAsync(Guid staffId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return OwnTokens(PasswordResetSubject.Staff, staffId).Where(t => t.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), cancellationToken);
    }

    private IQueryable<PasswordResetToken> OwnTokens(PasswordResetSubject subject, Guid ownerId) =>
        subject == PasswordResetSubject.Parent
            ? db.PasswordResetTokens.Where(t => t.AccountId == ownerId)
            : db.PasswordResetTokens.Where(t => t.StaffMemberId == ownerId);

    private IQueryable<PasswordResetToken> RecentTokens(PasswordResetSubject subject, Guid ownerId, DateTimeOffset now) =>
        OwnTokens(subject, ownerId).Where(t => t.CreatedAt > now - TimeSpan.FromHours(1));

    private sealed record Owner(Guid Id, string Email, Guid? FacilityId, bool Active);

    /// <summary>A parent's reset is in the account's trail; a staff member's in the facility's, named by the staff id.</summary>
    private static void About(AuditEvent e, PasswordResetSubject subject, Owner owner)
    {
        if (subject == PasswordResetSubject.Parent)
        {
            e.AccountId = owner.Id;
        }
        else
        {
            e.FacilityId = owner.FacilityId;
            e.ActorName = owner.Email;
        }
    }

    private static Dictionary<string, string> Data(PasswordResetSubject subject, Owner? owner, params (string Key, string Value)[] pairs)
    {
        var data = pairs.ToDictionary(p => p.Key, p => p.Value);
        if (subject == PasswordResetSubject.Staff)
        {
            data["subject"] = "staff";
            if (owner is not null)
            {
                data["staffId"] = owner.Id.ToString();
            }
        }
        return data;
    }
}
