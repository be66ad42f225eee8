using KitaLink.Api.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Auth;

/// <summary>A password login with a per-account lockout: parent accounts and staff members.</summary>
public interface IPasswordCredential
{
    string PasswordHash { get; }

    bool IsLockedOut(DateTimeOffset now);

    void RecordFailedLogin(DateTimeOffset now, int maxAttempts, TimeSpan lockout);

    void RecordSuccessfulLogin();

    /// <summary>The password was right; clears the failure count unless a second factor still has to follow.</summary>
    void RecordPasswordVerified();

    /// <summary>Replaces the hash with a stronger one of the same password (no token revocation).</summary>
    void UpgradePasswordHash(string hash);
}

/// <summary>A stored password hash and lockout, read without a lock for the check before the transaction.</summary>
public sealed record StoredPassword(Guid Id, string PasswordHash, DateTimeOffset? LockedUntil);

public enum PasswordOutcome
{
    Verified,
    UnknownAccount,
    LockedOut,
    WrongPassword,
    /// <summary>Wrong, and this failure locked the account.</summary>
    WrongPasswordLockedNow,
}

/// <summary>The hashing step of a password check, done before any transaction or row lock.</summary>
public sealed class PasswordAttempt
{
    internal PasswordAttempt(StoredPassword? stored, PasswordCheck? check, string? upgradedHash)
    {
        Stored = stored;
        Check = check;
        UpgradedHash = upgradedHash;
    }

    /// <summary>The account as read before the check; null when none has the presented email or id.</summary>
    public StoredPassword? Stored { get; }

    /// <summary>The verification against <see cref="StoredPassword.PasswordHash"/>; null when the account was locked (dummy work only).</summary>
    internal PasswordCheck? Check { get; }

    internal string? UpgradedHash { get; }

    /// <summary>The presented password was right when it was checked (the row lock has the last word).</summary>
    public bool LooksRight => Check is PasswordCheck.Succeeded or PasswordCheck.SucceededRehashNeeded;
}

/// <summary>
/// Password checks in two steps, so that the ~100 ms of hashing holds neither a transaction, nor a
/// pooled connection, nor a row lock:
/// <list type="number">
/// <item><see cref="CheckAsync"/> verifies against the hash read without a lock (unknown and locked
/// accounts cost the same dummy work, so neither the answer nor its timing tells them apart);</item>
/// <item><see cref="SettleAsync"/>, inside the caller's transaction with the row locked, decides: a lockout
/// that parallel failures set meanwhile wins over a right password, and every failure is counted on the
/// locked row, so parallel wrong guesses cannot lose counts. A password changed in between is verified
/// again under the lock (the only hash that can run there, and a rare one).</item>
/// </list>
/// </summary>
public sealed class PasswordChecks(PasswordHashing hashing, IOptions<PasswordOptions> options, TimeProvider time)
{
    public async Task<PasswordAttempt> CheckAsync(StoredPassword? stored, string password, CancellationToken cancellationToken)
    {
        if (stored is null || stored.LockedUntil > time.GetUtcNow())
        {
            await hashing.VerifyAgainstDummyAsync(password, cancellationToken);
            return new PasswordAttempt(stored, check: null, upgradedHash: null);
        }
        var check = await hashing.VerifyAsync(stored.PasswordHash, password, cancellationToken);
        var upgraded = check == PasswordCheck.SucceededRehashNeeded ? await hashing.HashAsync(password, cancellationToken) : null;
        return new PasswordAttempt(stored, check, upgraded);
    }

    /// <summary>Applies <paramref name="attempt"/> to the locked row of the same account (null: deleted meanwhile).</summary>
    public async Task<PasswordOutcome> SettleAsync(
        IPasswordCredential? locked, PasswordAttempt attempt, string password, CancellationToken cancellationToken)
    {
        if (locked is null || attempt.Stored is null)
        {
            return PasswordOutcome.UnknownAccount;
        }
        var now = time.GetUtcNow();
        if (attempt.Check is null || locked.IsLockedOut(now))
        {
            return PasswordOutcome.LockedOut;
        }
        var check = attempt.Check.Value;
        var upgraded = attempt.UpgradedHash;
        if (!string.Equals(locked.PasswordHash, attempt.Stored.PasswordHash, StringComparison.Ordinal))
        {
            // Changed or reset between the check and the lock: the new hash decides.
            check = await hashing.VerifyAsync(locked.PasswordHash, password, cancellationToken);
            upgraded = check == PasswordCheck.SucceededRehashNeeded ? await hashing.HashAsync(password, cancellationToken) : null;
        }
        if (check == PasswordCheck.Failed)
        {
            var limits = options.Value;
            locked.RecordFailedLogin(now, limits.MaxFailedLogins, TimeSpan.FromMinutes(limits.LockoutMinutes));
            return locked.IsLockedOut(now) ? PasswordOutcome.WrongPasswordLockedNow : PasswordOutcome.WrongPassword;
        }
        if (upgraded is not null)
        {
            locked.UpgradePasswordHash(upgraded);
        }
        locked.RecordPasswordVerified();
        return PasswordOutcome.Verified;
    }
}
