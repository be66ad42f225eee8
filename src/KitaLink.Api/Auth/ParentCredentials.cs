using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Auth;

/// <summary>Why a parent's password is being checked; recorded with failed attempts.</summary>
public enum PasswordCheckPurpose
{
    Login,
    ChangePassword,
    DeleteAccount,
}

/// <summary>
/// Checks a parent's password with the per-account lockout (<see cref="PasswordOptions.MaxFailedLogins"/>
/// failures lock the account for <see cref="PasswordOptions.LockoutMinutes"/>). Unknown account, wrong
/// password and locked account all answer false after the same hashing work, so neither the answer
/// nor its timing tells them apart. Confirmations inside a session (password change, deletion) count
/// against the same limit, so a stolen access token cannot be used to guess the password.
/// </summary>
public sealed class ParentCredentials(
    KitaLinkDbContext db,
    PasswordHashing hashing,
    AuditTrail audit,
    TimeProvider time,
    IOptions<PasswordOptions> options)
{
    /// <summary>
    /// Loads the account by email with a row lock, so parallel wrong guesses cannot lose failure counts.
    /// The caller holds a transaction and saves the recorded outcome even when the check fails.
    /// </summary>
    public Task<ParentAccount?> LockByEmailAsync(string email, CancellationToken cancellationToken)
    {
        var normalized = EmailAddress.Normalize(email);
        return db.ParentAccounts
            .FromSql($"SELECT * FROM parent_accounts WHERE normalized_email = {normalized} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <inheritdoc cref="LockByEmailAsync"/>
    public Task<ParentAccount?> LockByIdAsync(Guid accountId, CancellationToken cancellationToken) =>
        db.ParentAccounts
            .FromSql($"SELECT * FROM parent_accounts WHERE id = {accountId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);

    /// <summary>True when the password is right and the account not locked; records failures and upgrades old hashes.</summary>
    public async Task<bool> VerifyAsync(ParentAccount? account, string password, PasswordCheckPurpose purpose, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (account is null)
        {
            await hashing.VerifyAgainstDummyAsync(password, cancellationToken);
            return false;
        }
        if (account.IsLockedOut(now))
        {
            await hashing.VerifyAgainstDummyAsync(password, cancellationToken);
            Record(AuditActions.LoginFailed, account, purpose, "locked_out");
            return false;
        }

        var check = await hashing.VerifyAsync(account.PasswordHash, password, cancellationToken);
        if (check == PasswordCheck.Failed)
        {
            var limits = options.Value;
            account.RecordFailedLogin(now, limits.MaxFailedLogins, TimeSpan.FromMinutes(limits.LockoutMinutes));
            Record(account.IsLockedOut(now) ? AuditActions.LoginLockedOut : AuditActions.LoginFailed, account, purpose, "wrong_password");
            return false;
        }
        if (check == PasswordCheck.SucceededRehashNeeded)
        {
            account.UpgradePasswordHash(await hashing.HashAsync(password, cancellationToken));
        }
        account.RecordSuccessfulLogin();
        return true;
    }

    private void Record(string action, ParentAccount account, PasswordCheckPurpose purpose, string reason) =>
        audit.Record(action, e => e.AccountId = account.Id, new Dictionary<string, string>
        {
            ["subject"] = "parent",
            ["purpose"] = purpose switch
            {
                PasswordCheckPurpose.Login => "login",
                PasswordCheckPurpose.ChangePassword => "change_password",
                PasswordCheckPurpose.DeleteAccount => "delete_account",
                _ => throw new ArgumentOutOfRangeException(nameof(purpose)),
            },
            ["reason"] = reason,
        });
}
