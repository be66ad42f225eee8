using System.Security.Cryptography;
using System.Text;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Mfa;

/// <summary>What a new enrolment shows once: the secret to type in, the key URI and the same as a QR code.</summary>
/// <param name="Secret">Base32, for typing into an authenticator app that cannot scan.</param>
/// <param name="OtpauthUri">The key URI (<c>otpauth://totp/...</c>) the QR code carries.</param>
/// <param name="QrCode">The key URI as a PNG image in a data URI.</param>
public sealed record TotpEnrolmentResponse(string Secret, string OtpauthUri, string QrCode, int Digits, int Period);

/// <summary>How a second-factor code was accepted, or why not.</summary>
public enum SecondFactorResult
{
    Totp,
    RecoveryCode,
    Wrong,
    /// <summary>A right code of a time step that was already used (a replay).</summary>
    Replayed,
}

/// <summary>
/// The TOTP second factor of parent and staff accounts: enrolment, code checks with replay protection, one-time
/// recovery codes, and the short-lived sign-in challenge. Works on the caller's DbContext and transaction; the
/// caller holds the account row locked (<c>FOR UPDATE</c>) wherever a code is checked, so parallel requests with one
/// code are decided one after the other and only the first one wins.
/// </summary>
public sealed class SecondFactor(
    KitaLinkDbContext db, TotpSecrets secrets, IOptions<MfaOptions> options, IOptions<PasswordOptions> passwords, TimeProvider time)
{
    /// <summary>How long a sign-in challenge can be completed.</summary>
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Recovery codes made at confirmation (each usable once).</summary>
    public const int RecoveryCodeCount = 10;

    // The PIN alphabet (no 0/O, 1/I): 16 characters of 5 bits are 80 random bits per code.
    private const string RecoveryAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    private const int RecoveryCodeLength = 16;

    /// <summary>A new pending secret for <paramref name="account"/>, or null when its factor is already on.</summary>
    public TotpEnrolmentResponse? StartEnrolment(SecondFactorAccount account, string accountName)
    {
        var secret = Totp.NewSecret();
        if (!account.StartTotpEnrolment(secrets.Protect(secret)))
        {
            return null;
        }
        var uri = Totp.KeyUri(secret, options.Value.Issuer, accountName);
        return new TotpEnrolmentResponse(Totp.Base32(secret), uri, Totp.QrCodeDataUri(uri), Totp.Digits, Totp.StepSeconds);
    }

    /// <summary>
    /// Turns the pending factor on when <paramref name="code"/> is right, replacing any earlier recovery codes:
    /// the new recovery codes in clear (shown once), or null for a wrong code.
    /// </summary>
    public async Task<IReadOnlyList<string>?> ConfirmAsync(SecondFactorAccount account, MfaOwner owner, string code, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (Totp.MatchingStep(secrets.Unprotect(account.TotpSecret!), code, now) is not { } step || !account.ConfirmTotp(step, now))
        {
            return null;
        }
        await OwnedBy(db.MfaRecoveryCodes, owner).ExecuteDeleteAsync(cancellationToken);
        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => NewRecoveryCode()).ToList();
        db.MfaRecoveryCodes.AddRange(codes.Select(c => new MfaRecoveryCode(owner, RecoveryCodeHash(c)!, now)));
        return codes;
    }

    /// <summary>
    /// Checks a TOTP code (used up on success: its step is stored) or a recovery code (deleted on success) of an
    /// account whose factor is on. Nothing is counted here; the caller counts a failure into the lockout.
    /// </summary>
    public async Task<SecondFactorResult> VerifyAsync(
        SecondFactorAccount account, MfaOwner owner, string? code, string? recoveryCode, CancellationToken cancellationToken)
    {
        if (!account.HasSecondFactor)
        {
            return SecondFactorResult.Wrong;
        }
        if (!string.IsNullOrEmpty(code))
        {
            if (Totp.MatchingStep(secrets.Unprotect(account.TotpSecret!), code, time.GetUtcNow()) is not { } step)
            {
                return SecondFactorResult.Wrong;
            }
            return account.UseTotpStep(step) ? SecondFactorResult.Totp : SecondFactorResult.Replayed;
        }
        if (RecoveryCodeHash(recoveryCode) is not { } hash)
        {
            return SecondFactorResult.Wrong;
        }
        // One statement: a code used in parallel is deleted once, and only that request gets in.
        var used = await OwnedBy(db.MfaRecoveryCodes, owner).Where(c => c.CodeHash == hash).ExecuteDeleteAsync(cancellationToken);
        return used == 1 ? SecondFactorResult.RecoveryCode : SecondFactorResult.Wrong;
    }

    /// <summary>Counts a wrong code like a wrong password; true when this failure locked the account.</summary>
    public bool CountFailure(SecondFactorAccount account)
    {
        var now = time.GetUtcNow();
        var limits = passwords.Value;
        account.RecordFailedLogin(now, limits.MaxFailedLogins, TimeSpan.FromMinutes(limits.LockoutMinutes));
        return account.IsLockedOut(now);
    }

    /// <summary>Removes the factor, its recovery codes and open challenges.</summary>
    public async Task DisableAsync(SecondFactorAccount account, MfaOwner owner, CancellationToken cancellationToken)
    {
        account.DisableTotp();
        await OwnedBy(db.MfaRecoveryCodes, owner).ExecuteDeleteAsync(cancellationToken);
        await OwnedBy(db.MfaChallenges, owner).ExecuteDeleteAsync(cancellationToken);
    }

    public Task<int> RecoveryCodesLeftAsync(MfaOwner owner, CancellationToken cancellationToken) =>
        OwnedBy(db.MfaRecoveryCodes, owner).CountAsync(cancellationToken);

    /// <summary>A new sign-in challenge for the account (its expired ones are removed); the clear value and its expiry.</summary>
    public async Task<(string Challenge, DateTimeOffset ExpiresAt)> IssueChallengeAsync(MfaOwner owner, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await OwnedBy(db.MfaChallenges, owner).Where(c => c.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        var challenge = SecretTokens.Generate();
        var row = new MfaChallenge(owner, SecretTokens.Hash(challenge), now, ChallengeLifetime);
        db.MfaChallenges.Add(row);
        return (challenge, row.ExpiresAt);
    }

    /// <summary>
    /// The open challenge <paramref name="challenge"/> of a parent (<paramref name="parent"/>) or staff account,
    /// locked for this transaction; null when unknown, expired, used or of the other kind of account.
    /// </summary>
    public async Task<MfaChallenge?> FindChallengeAsync(string challenge, bool parent, CancellationToken cancellationToken)
    {
        var hash = SecretTokens.Hash(challenge);
        var row = await db.MfaChallenges
            .FromSql($"SELECT * FROM mfa_challenges WHERE token_hash = {hash} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        var ofKind = parent ? row?.ParentAccountId is not null : row?.StaffMemberId is not null;
        return row is not null && ofKind && row.ExpiresAt > time.GetUtcNow() ? row : null;
    }

    /// <summary>Uses the challenge up (single use).</summary>
    public void Consume(MfaChallenge challenge) => db.MfaChallenges.Remove(challenge);

    /// <summary>SHA-256 of the canonical form (upper case, no spaces or dashes); null when it cannot be a recovery code.</summary>
    public static byte[]? RecoveryCodeHash(string? code)
    {
        if (code is null)
        {
            return null;
        }
        var canonical = new string(code.Where(c => c is not (' ' or '-')).Select(char.ToUpperInvariant).ToArray());
        return canonical.Length == RecoveryCodeLength && canonical.All(RecoveryAlphabet.Contains)
            ? SHA256.HashData(Encoding.ASCII.GetBytes(canonical))
            : null;
    }

    private static string NewRecoveryCode()
    {
        var chars = RandomNumberGenerator.GetItems<char>(RecoveryAlphabet, RecoveryCodeLength);
        return string.Join('-', Enumerable.Range(0, RecoveryCodeLength / 4).Select(i => new string(chars, i * 4, 4)));
    }

    private static IQueryable<MfaRecoveryCode> OwnedBy(IQueryable<MfaRecoveryCode> codes, MfaOwner owner) =>
        owner.ParentAccountId is { } parent
            ? codes.Where(c => c.ParentAccountId == parent)
            : codes.Where(c => c.StaffMemberId == owner.StaffMemberId);

    private static IQueryable<MfaChallenge> OwnedBy(IQueryable<MfaChallenge> challenges, MfaOwner owner) =>
        owner.ParentAccountId is { } parent
            ? challenges.Where(c => c.ParentAccountId == parent)
            : challenges.Where(c => c.StaffMemberId == owner.StaffMemberId);
}
