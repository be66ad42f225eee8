namespace KitaLink.Api.Mfa;

/// <summary>
/// A one-time recovery code of an account's second factor, stored only as SHA-256 (the codes carry 80 random
/// bits, so an unkeyed hash cannot be brute-forced). Using one deletes it. Belongs to a parent account or a
/// staff member (exactly one of the two; deleted with it).
/// </summary>
public sealed class MfaRecoveryCode
{
    private MfaRecoveryCode() { }

    public MfaRecoveryCode(MfaOwner owner, byte[] codeHash, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        ParentAccountId = owner.ParentAccountId;
        StaffMemberId = owner.StaffMemberId;
        CodeHash = codeHash;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid? ParentAccountId { get; private set; }
    public Guid? StaffMemberId { get; private set; }
    public byte[] CodeHash { get; private set; } = null!;
    public DateTimeOffset CreatedAt { get; private set; }
}

/// <summary>
/// The second step of a sign-in whose password was right: a random, single-use challenge, bound to one account,
/// valid for <see cref="SecondFactor.ChallengeLifetime"/>, stored only as SHA-256.
/// </summary>
public sealed class MfaChallenge
{
    private MfaChallenge() { }

    public MfaChallenge(MfaOwner owner, byte[] tokenHash, DateTimeOffset now, TimeSpan lifetime)
    {
        Id = Guid.CreateVersion7();
        ParentAccountId = owner.ParentAccountId;
        StaffMemberId = owner.StaffMemberId;
        TokenHash = tokenHash;
        CreatedAt = now;
        ExpiresAt = now + lifetime;
    }

    public Guid Id { get; private set; }
    public Guid? ParentAccountId { get; private set; }
    public Guid? StaffMemberId { get; private set; }
    public byte[] TokenHash { get; private set; } = null!;
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
}

/// <summary>Whose second-factor records these are: a parent account or a staff member.</summary>
public readonly record struct MfaOwner(Guid? ParentAccountId, Guid? StaffMemberId)
{
    public static MfaOwner Parent(Guid accountId) => new(accountId, null);

    public static MfaOwner Staff(Guid staffId) => new(null, staffId);
}
