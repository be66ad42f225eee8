namespace KitaLink.Api.Auth;

/// <summary>
/// A rotating refresh token. Each use consumes it and issues a successor in the same family;
/// presenting a consumed token again means it leaked, so the whole family is revoked.
/// Only a SHA-256 hash of the token is stored.
/// </summary>
public sealed class RefreshToken
{
    private RefreshToken() { }

    public RefreshToken(Guid accountId, Guid familyId, byte[] tokenHash, DateTimeOffset now, TimeSpan lifetime)
    {
        Id = Guid.CreateVersion7();
        AccountId = accountId;
        FamilyId = familyId;
        TokenHash = tokenHash;
        CreatedAt = now;
        ExpiresAt = now + lifetime;
    }

    public Guid Id { get; private set; }
    public Guid AccountId { get; private set; }
    public Guid FamilyId { get; private set; }
    public byte[] TokenHash { get; private set; } = [];
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? ConsumedAt { get; private set; }
    public Guid? ReplacedById { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public bool IsActiveAt(DateTimeOffset now) => IsActive(ConsumedAt, RevokedAt, ExpiresAt, now);

    /// <summary>Neither used nor revoked, and not expired: the one rule, for the entity and the rotation's own read.</summary>
    public static bool IsActive(DateTimeOffset? consumedAt, DateTimeOffset? revokedAt, DateTimeOffset expiresAt, DateTimeOffset now) =>
        consumedAt is null && revokedAt is null && now < expiresAt;

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;
}
