using KitaLink.Api.Auth;

namespace KitaLink.Api.Mfa;

/// <summary>
/// An account with a password and an optional TOTP second factor (parent account, staff member). The secret is
/// stored protected (<see cref="TotpSecrets"/>); enrolment starts with a pending secret that only a right code
/// turns on. The last accepted time step is kept, so a code is accepted once: a replay inside the ±1 step window
/// is refused. While the factor is on, a right password alone does not clear the failure count (only a completed
/// sign-in does), so alternating a known password with guessed codes cannot dodge the lockout.
/// </summary>
public abstract class SecondFactorAccount : LoginLockout
{
    /// <summary>The TOTP secret, protected with Data Protection; pending until <see cref="TotpEnabledAt"/> is set.</summary>
    public string? TotpSecret { get; private set; }

    /// <summary>When enrolment was confirmed with a right code; null: no second factor (or enrolment pending).</summary>
    public DateTimeOffset? TotpEnabledAt { get; private set; }

    /// <summary>The time step (Unix time / 30 s) of the last accepted code; a code of this or an earlier step is refused.</summary>
    public long? TotpLastUsedStep { get; private set; }

    public bool HasSecondFactor => TotpEnabledAt is not null;

    /// <summary>A pending (not yet confirmed) enrolment exists.</summary>
    public bool HasPendingTotp => TotpSecret is not null && TotpEnabledAt is null;

    /// <summary>Starts (or restarts) an enrolment with a new protected secret; false when the factor is already on.</summary>
    public bool StartTotpEnrolment(string protectedSecret)
    {
        if (HasSecondFactor)
        {
            return false;
        }
        TotpSecret = protectedSecret;
        TotpLastUsedStep = null;
        return true;
    }

    /// <summary>Turns the pending factor on with the step of the confirming code (which is then used up).</summary>
    public bool ConfirmTotp(long step, DateTimeOffset now)
    {
        if (!HasPendingTotp)
        {
            return false;
        }
        TotpEnabledAt = now;
        TotpLastUsedStep = step;
        return true;
    }

    /// <summary>Accepts a verified code's step once: false for a step already used (replay) or older.</summary>
    public bool UseTotpStep(long step)
    {
        if (TotpLastUsedStep is { } last && step <= last)
        {
            return false;
        }
        TotpLastUsedStep = step;
        return true;
    }

    /// <summary>Removes the factor and its secret (recovery codes go separately).</summary>
    public void DisableTotp()
    {
        TotpSecret = null;
        TotpEnabledAt = null;
        TotpLastUsedStep = null;
    }

    /// <summary>With a second factor on, the password step leaves the failure count to the completed sign-in.</summary>
    public override void RecordPasswordVerified()
    {
        if (!HasSecondFactor)
        {
            RecordSuccessfulLogin();
        }
    }
}
