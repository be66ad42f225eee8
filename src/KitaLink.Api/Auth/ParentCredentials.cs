using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Auth;

/// <summary>Why a parent's password is being checked; recorded with failed attempts.</summary>
public enum PasswordCheckPurpose
{
    Login,
    ChangePassword,
    DeleteAccount,
    DisableSecondFactor,
}

/// <summary>
/// Checks a parent's password with the per-account lockout (<see cref="PasswordOptions.MaxFailedLogins"/>
/// failures lock the account for <see cref="PasswordOptions.LockoutMinutes"/>), in the two steps of
/// <see cref="PasswordChecks"/>: <c>CheckBy...Async</c> hashes before any transaction, <c>Settle...Async</c>
/// decides inside the caller's transaction with the account row locked. Unknown account, wrong password
/// and locked account all fail after the same hashing work, so neither the answer nor its timing tells them
/// apart. Confirmations inside a session (password change, deletion) count against the same limit, so a
/// stolen access token cannot be used to guess the password.
/// </summary>
public sealed class ParentCredentials(KitaLinkDbContext db, PasswordChecks checks, AuditTrail audit)
{
    /// <summary>Step 1 of a login, outside any transaction: the hashing.</summary>
    public Task<PasswordAttempt> CheckByEmailAsync(string email, string password, CancellationToken cancellationToken)
    {
        var normalized = EmailAddress.Normalize(email);
        return CheckAsync(a => a.NormalizedEmail == normalized, password, cancellationToken);
    }

    /// <summary>Step 1 of a confirmation inside a session (password change, deletion).</summary>
    public Task<PasswordAttempt> CheckByIdAsync(Guid accountId, string password, CancellationToken cancellationToken) =>
        CheckAsync(a => a.Id == accountId, password, cancellationToken);

    private async Task<PasswordAttempt> CheckAsync(
        System.Linq.Expressions.Expression<Func<ParentAccount, bool>> account, string password, CancellationToken cancellationToken)
    {
        var stored = await db.ParentAccounts.AsNoTracking()
            .Where(account)
            .Select(a => new StoredPassword(a.Id, a.PasswordHash, a.LockedUntil))
            .SingleOrDefaultAsync(cancellationToken);
        return await checks.CheckAsync(stored, password, cancellationToken);
    }

    /// <summary>
    /// Step 2 of a login, in the caller's transaction: locks the account row, decides, and stages the failure
    /// count and the audit event (the caller saves them whatever the outcome). The signed-in account, or null.
    /// Every failure, an unknown email included, leaves an audit event (the unknown email only masked, it may
    /// be someone else's address).
    /// </summary>
    public async Task<ParentAccount?> SettleLoginAsync(PasswordAttempt attempt, string email, string password, CancellationToken cancellationToken)
    {
        var (account, verified) = await SettleAsync(attempt, password, PasswordCheckPurpose.Login, cancellationToken);
        if (account is null)
        {
            audit.Record(AuditActions.LoginFailed, e => e.ActorName = EmailAddress.Mask(email), new Dictionary<string, string>
            {
                ["subject"] = "parent",
                ["purpose"] = Describe(PasswordCheckPurpose.Login),
                ["reason"] = "unknown_account",
            });
        }
        return verified ? account : null;
    }

    /// <summary>
    /// Step 2 of a confirmation inside a session (<c>DELETE /me</c>, <c>POST /me/password</c>), in the caller's
    /// transaction: the locked account when the password counts as right, otherwise the problem to answer with.
    /// A wrong password is counted and audited, and that is committed here, since the caller changes nothing.
    /// </summary>
    public async Task<(ParentAccount? Account, ApiProblem? Problem)> ConfirmAsync(
        PasswordAttempt attempt, string password, PasswordCheckPurpose purpose, CancellationToken cancellationToken)
    {
        var (account, verified) = await SettleAsync(attempt, password, purpose, cancellationToken);
        if (account is null)
        {
            // Deleted between token check and now.
            return (null, ApiProblem.Of(ErrorCodes.Unauthenticated));
        }
        if (!verified)
        {
            await db.SaveChangesAsync(cancellationToken);
            await db.Database.CommitTransactionAsync(cancellationToken);
            return (null, ApiProblem.Of(ErrorCodes.InvalidCredentials));
        }
        return (account, null);
    }

    private async Task<(ParentAccount? Account, bool Verified)> SettleAsync(
        PasswordAttempt attempt, string password, PasswordCheckPurpose purpose, CancellationToken cancellationToken)
    {
        var account = attempt.Stored is { } stored
            ? await db.ParentAccounts
                .FromSql($"SELECT * FROM parent_accounts WHERE id = {stored.Id} FOR UPDATE")
                .SingleOrDefaultAsync(cancellationToken)
            : null;
        var outcome = await checks.SettleAsync(account, attempt, password, cancellationToken);
        switch (outcome)
        {
            case PasswordOutcome.Verified:
                return (account, true);
            case PasswordOutcome.UnknownAccount:
                break;
            case PasswordOutcome.LockedOut:
                Record(AuditActions.LoginFailed, account!, purpose, "locked_out");
                break;
            default:
                Record(outcome == PasswordOutcome.WrongPasswordLockedNow ? AuditActions.LoginLockedOut : AuditActions.LoginFailed,
                    account!, purpose, "wrong_password");
                break;
        }
        return (account, false);
    }

    private void Record(string action, ParentAccount account, PasswordCheckPurpose purpose, string reason) =>
        audit.Record(action, e => e.AccountId = account.Id, new Dictionary<string, string>
        {
            ["subject"] = "parent",
            ["purpose"] = Describe(purpose),
            ["reason"] = reason,
        });

    private static string Describe(PasswordCheckPurpose purpose) => purpose switch
    {
        PasswordCheckPurpose.Login => "login",
        PasswordCheckPurpose.ChangePassword => "change_password",
        PasswordCheckPurpose.DeleteAccount => "delete_account",
        PasswordCheckPurpose.DisableSecondFactor => "disable_mfa",
        _ => throw new ArgumentOutOfRangeException(nameof(purpose)),
    };
}
