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
public sealed class StaffMember : LoginLockout, IPasswordCredential
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

    /// <summary>Bumped whenever existing access tokens must stop working (password change, deactivation).</summary>
    public int TokenVersion { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public void SetPasswordHash(string hash)
    {
        PasswordHash = hash;
        TokenVersion++;
    }

    /// <summary>Replaces the hash with a stronger one of the same password (no token revocation).</summary>
    public void UpgradePasswordHash(string hash) => PasswordHash = hash;
}
