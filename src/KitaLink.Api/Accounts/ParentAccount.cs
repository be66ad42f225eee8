using KitaLink.Api.Auth;

namespace KitaLink.Api.Accounts;

/// <summary>A parent's app account. Created only together with its first child link.</summary>
public sealed class ParentAccount : Mfa.SecondFactorAccount, IPasswordCredential
{
    private ParentAccount() { }

    public ParentAccount(string email, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        Email = email.Trim();
        NormalizedEmail = EmailAddress.Normalize(email);
        CreatedAt = now;
    }

    public Guid Id { get; private set; }

    /// <summary>The email as the parent typed it at registration (trimmed).</summary>
    public string Email { get; private set; } = null!;

    /// <summary>Lower-cased email; unique, so two parallel registrations of one address give one account.</summary>
    public string NormalizedEmail { get; private set; } = null!;

    public string PasswordHash { get; private set; } = "";

    /// <summary>Bumped on logout, password change and reset: access tokens carrying an older version stop working.</summary>
    public int TokenVersion { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? PasswordChangedAt { get; private set; }

    public List<Links.ChildLink> Links { get; private set; } = [];

    public void SetPasswordHash(string hash, DateTimeOffset now)
    {
        PasswordHash = hash;
        PasswordChangedAt = now;
        TokenVersion++;
    }

    /// <summary>Replaces the hash with a stronger one of the same password (no token revocation).</summary>
    public void UpgradePasswordHash(string hash) => PasswordHash = hash;

    public void RevokeTokens() => TokenVersion++;
}
