using KitaLink.Api.Auth;

namespace KitaLink.Api.Staff;

public enum StaffRole
{
    /// <summary>Runs the service: manages facilities and their first admins, sees no child data.</summary>
    Operator,
    /// <summary>Facility admin: everything an educator may do, plus managing the facility's staff.</summary>
    Admin,
    Educator,
}

/// <summary>A staff account (operator, facility admin or educator).</summary>
public sealed class StaffMember : Mfa.SecondFactorAccount, IPasswordCredential
{
    private StaffMember() { }

    public StaffMember(Guid? facilityId, string email, string displayName, StaffRole role, DateTimeOffset now)
    {
        if (role == StaffRole.Operator && facilityId is not null)
        {
            throw new ArgumentException("Operators belong to no facility.", nameof(facilityId));
        }
        if (role != StaffRole.Operator && facilityId is null)
        {
            throw new ArgumentException("Facility staff need a facility.", nameof(facilityId));
        }

        Id = Guid.CreateVersion7();
        FacilityId = facilityId;
        Email = email.Trim();
        NormalizedEmail = Accounts.EmailAddress.Normalize(email);
        DisplayName = displayName;
        Role = role;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid? FacilityId { get; private set; }
    public string Email { get; private set; } = null!;
    public string NormalizedEmail { get; private set; } = null!;
    public string DisplayName { get; private set; } = null!;
    public StaffRole Role { get; private set; }
    public string PasswordHash { get; private set; } = "";

    /// <summary>Bumped whenever existing access tokens must stop working (logout, password change, deactivation, sessions ended by an admin).</summary>
    public int TokenVersion { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? PasswordChangedAt { get; private set; }

    /// <summary>Set while the account is deactivated: no sign-in, no token works, no reset mail.</summary>
    public DateTimeOffset? DeactivatedAt { get; private set; }

    public bool IsActive => DeactivatedAt is null;

    public void SetPasswordHash(string hash, DateTimeOffset now)
    {
        PasswordHash = hash;
        PasswordChangedAt = now;
        TokenVersion++;
    }

    /// <summary>Ends every session: access tokens issued so far stop working at their next request.</summary>
    public void RevokeTokens() => TokenVersion++;

    /// <summary>Deactivates the account and ends its sessions; false when it already was deactivated.</summary>
    public bool Deactivate(DateTimeOffset now)
    {
        if (DeactivatedAt is not null)
        {
            return false;
        }
        DeactivatedAt = now;
        TokenVersion++;
        return true;
    }

    /// <summary>Lets the account sign in again (with its old password); false when it was active.</summary>
    public bool Reactivate()
    {
        if (DeactivatedAt is null)
        {
            return false;
        }
        DeactivatedAt = null;
        return true;
    }

    /// <summary>Replaces the hash with a stronger one of the same password (no token revocation).</summary>
    public void UpgradePasswordHash(string hash) => PasswordHash = hash;
}
