using System.Security.Claims;

namespace KitaLink.Api.Infrastructure.Security;

/// <summary>Claim types of KitaLink access tokens. Inbound claim mapping is off, so these arrive as written.</summary>
public static class ClaimNames
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string FacilityId = "fid";
    public const string TokenVersion = "ver";
}

/// <summary>The roles in access tokens; staff roles mirror <see cref="Staff.StaffRole"/>.</summary>
public static class Roles
{
    public const string Parent = "parent";
    public const string Operator = "operator";
    public const string Admin = "admin";
    public const string Educator = "educator";

    /// <summary>
    /// A staff or operator account that must set up its second factor before it may sign in: the token of
    /// <c>mfa_enrolment_required</c> reaches only the staff second-factor endpoints.
    /// </summary>
    public const string StaffMfaEnrolment = "staff_mfa_enrolment";
}

/// <summary>Named authorization policies.</summary>
public static class Policies
{
    public const string Parent = "Parent";
    public const string Staff = "Staff";
    public const string FacilityAdmin = "FacilityAdmin";
    public const string Operator = "Operator";

    /// <summary>Any staff account (admin, educator, operator): its own sign-out and password.</summary>
    public const string StaffAccount = "StaffAccount";

    /// <summary>Any staff account, or the enrolment-only token of one that must set up its second factor first.</summary>
    public const string StaffSecondFactor = "StaffSecondFactor";
}

public static class ClaimsPrincipalExtensions
{
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimNames.Subject), out var id)
            ? id
            : throw new InvalidOperationException("The token has no subject; the endpoint must require authorization.");

    /// <summary>The staff member's facility, always from the token, never from the request.</summary>
    public static Guid FacilityId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimNames.FacilityId), out var id)
            ? id
            : throw new InvalidOperationException("The token has no facility; the endpoint must require the Staff policy.");

    public static string? Role(this ClaimsPrincipal user) => user.FindFirstValue(ClaimNames.Role);

    /// <summary>The account's token version when the token was issued (see <see cref="TokenRevocationCheck"/>).</summary>
    public static int TokenVersion(this ClaimsPrincipal user) =>
        user.TryGetTokenVersion(out var version)
            ? version
            : throw new InvalidOperationException("The token has no version; the endpoint must require authorization.");

    /// <summary>The token version claim, when the token has a well-formed one (digits only).</summary>
    public static bool TryGetTokenVersion(this ClaimsPrincipal user, out int version) =>
        int.TryParse(user.FindFirstValue(ClaimNames.TokenVersion), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out version);

    /// <summary>Subject and token version, when both are well-formed: what a revocation check compares.</summary>
    public static bool TryGetSubjectAndVersion(this ClaimsPrincipal user, out Guid subject, out int version)
    {
        version = 0;
        return Guid.TryParse(user.FindFirstValue(ClaimNames.Subject), out subject) && user.TryGetTokenVersion(out version);
    }
}
