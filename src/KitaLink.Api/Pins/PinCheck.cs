using KitaLink.Api.Accounts;
using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.Api.Pins;

/// <summary>What the presented PINs and email allow, before the case-specific rules of a link.</summary>
public enum PinVerdict
{
    /// <summary>Both PINs right, pair pending, email matches: the caller may go on to link.</summary>
    Proceed,
    Invalid,
    AlreadyUsed,
    Expired,
    Locked,
    EmailMismatch,
}

/// <param name="Verdict">The answer the caller gets.</param>
/// <param name="AttemptCounted">The attempt counts against the pair: the caller records it with <see cref="PinPair.RecordFailedAttempt"/>.</param>
/// <param name="LockedNow">Counting this attempt locks the pair.</param>
public readonly record struct PinCheckResult(PinVerdict Verdict, bool AttemptCounted = false, bool LockedNow = false);

/// <summary>
/// The order of the PIN checks, kept free of I/O and of changes so it can be read and tested as one rule
/// and used twice: without a lock before the password is hashed, and under the row lock to decide. A
/// caller learns anything beyond <c>pins_invalid</c> only with a correct PIN 1 and PIN 2: the pair's state
/// (used, expired, locked) and the email comparison come after the PIN 2 check.
/// </summary>
public static class PinCheck
{
    /// <param name="pair">The pair PIN 1 identifies, or null when PIN 1 is unknown.</param>
    /// <param name="pin2Matches">Result of the constant-time PIN 2 comparison.</param>
    /// <param name="presentedEmail">The registering email, or the account's current email.</param>
    /// <param name="guardianEmail">The guardian's current email as the facility has it on file.</param>
    /// <param name="now">The service clock.</param>
    public static PinCheckResult Evaluate(PinPair? pair, bool pin2Matches, string presentedEmail, string guardianEmail, DateTimeOffset now)
    {
        if (pair is null)
        {
            return new(PinVerdict.Invalid);
        }
        var status = pair.StatusAt(now);
        if (!pin2Matches)
        {
            // Only a pending pair counts attempts: an expired pair must keep showing "expired" to staff, not "locked".
            return status == PinStatus.Pending
                ? new(PinVerdict.Invalid, AttemptCounted: true, LockedNow: NextFailureLocks(pair))
                : new(PinVerdict.Invalid);
        }
        switch (status)
        {
            case PinStatus.Redeemed:
                return new(PinVerdict.AlreadyUsed);
            case PinStatus.Expired or PinStatus.Revoked:
                return new(PinVerdict.Expired);
            case PinStatus.Locked:
                return new(PinVerdict.Locked);
            case PinStatus.Pending:
                break;
            default:
                throw new InvalidOperationException($"Unexpected PIN status {status}.");
        }
        if (!EmailAddress.Matches(presentedEmail, guardianEmail))
        {
            var locks = NextFailureLocks(pair);
            return new(locks ? PinVerdict.Locked : PinVerdict.EmailMismatch, AttemptCounted: true, LockedNow: locks);
        }
        return new(PinVerdict.Proceed);
    }

    private static bool NextFailureLocks(PinPair pair) => pair.FailedAttempts + 1 >= PinPair.MaxFailedAttempts;

    /// <summary>The error code of a failed verdict (also the reason in the audit trail).</summary>
    public static string CodeOf(PinVerdict verdict) => verdict switch
    {
        PinVerdict.Invalid => ErrorCodes.PinsInvalid,
        PinVerdict.AlreadyUsed => ErrorCodes.PinsAlreadyUsed,
        PinVerdict.Expired => ErrorCodes.PinsExpired,
        PinVerdict.Locked => ErrorCodes.PinsLocked,
        PinVerdict.EmailMismatch => ErrorCodes.EmailMismatch,
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "Proceed is not a failure."),
    };

    /// <summary>The problem a failed verdict is answered with.</summary>
    public static ApiProblem ToProblem(PinVerdict verdict, string guardianEmail) => verdict == PinVerdict.EmailMismatch
        ? ApiProblem.EmailMismatch(EmailAddress.Mask(guardianEmail))
        : ApiProblem.Of(CodeOf(verdict));
}
