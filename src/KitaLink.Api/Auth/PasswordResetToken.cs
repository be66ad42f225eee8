namespace KitaLink.Api.Auth;

/// <summary>
/// A single-use password reset token sent by email, of a parent account or of a staff account (exactly one
/// of <see cref="AccountId"/> and <see cref="StaffMemberId"/> is set). Only its SHA-256 hash is stored.
/// </summary>
public sealed class PasswordResetToken
{
    private PasswordResetToken() { }

    private PasswordResetToken(Guid? accountId, Guid? staffMemberId, byte[] tokenHash, DateTimeOffset now, TimeSpan lifetime)
    {
        Id = Guid.CreateVersion7();
        AccountId = accountId;
        StaffMemberId = staffMemberId;
        TokenHash = tokenHash;
        CreatedAt = now;
        ExpiresAt = now + lifetime;
    }

    public static PasswordResetToken ForParent(Guid accountId, byte[] tokenHash, DateTimeOffset now, TimeSpan lifetime) =>
        new(accountId, null, tokenHash, now, lifetime);

    public static PasswordResetToken ForStaff(Guid staffMemberId, byte[] tokenHash, DateTimeOffset now, TimeSpan lifetime) =>
        new(null, staffMemberId, tokenHash, now, lifetime);

    public Guid Id { get; private set; }

    /// <summary>The parent account, for a parent's reset.</summary>
    public Guid? AccountId { get; private set; }

    /// <summary>The staff account, for a staff member's or operator's reset.</summary>
    public Guid? StaffMemberId { get; private set; }

    public byte[] TokenHash { get; private set; } = [];
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? UsedAt { get; private set; }

    public bool IsUsableAt(DateTimeOffset now) => UsedAt is null && now < ExpiresAt;

    public void Use(DateTimeOffset now) => UsedAt = now;
}
