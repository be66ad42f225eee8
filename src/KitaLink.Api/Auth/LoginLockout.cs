namespace KitaLink.Api.Auth;

/// <summary>
/// The login lockout of an account with a password (parent account, staff member): every failed login
/// counts; the failure that reaches the limit locks the account for the lockout time and starts the count
/// again; a successful login clears both.
/// </summary>
public abstract class LoginLockout
{
    public int FailedLoginCount { get; private set; }
    public DateTimeOffset? LockedUntil { get; private set; }

    public bool IsLockedOut(DateTimeOffset now) => LockedUntil is { } until && until > now;

    public void RecordFailedLogin(DateTimeOffset now, int maxAttempts, TimeSpan lockout)
    {
        FailedLoginCount++;
        if (FailedLoginCount >= maxAttempts)
        {
            LockedUntil = now + lockout;
            FailedLoginCount = 0;
        }
    }

    public void RecordSuccessfulLogin()
    {
        FailedLoginCount = 0;
        LockedUntil = null;
    }

    /// <summary>The password was right: a complete sign-in unless a second factor still has to follow.</summary>
    public virtual void RecordPasswordVerified() => RecordSuccessfulLogin();
}
