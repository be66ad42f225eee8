using System.Security.Claims;
using KitaLink.Api.Accounts;
using KitaLink.Api.Staff;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KitaLink.Api.Infrastructure.Security;

public sealed record AccessToken(string Token, DateTimeOffset ExpiresAt);

/// <summary>
/// Issues short-lived HS256 access tokens (JWT type <c>at+jwt</c>, RFC 9068) for parents and staff, signed with
/// <c>Jwt:SigningKey</c>; the header's <c>kid</c> names the key (<see cref="JwtOptions.KeyId"/>).
/// </summary>
public sealed class AccessTokenIssuer(IOptions<JwtOptions> options, TimeProvider time)
{
    /// <summary>The <c>typ</c> header of access tokens; the bearer handler accepts no other type.</summary>
    public const string TokenType = "at+jwt";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly SigningCredentials _credentials =
        new(options.Value.SigningSecurityKey(), SecurityAlgorithms.HmacSha256);

    public AccessToken ForParent(ParentAccount account) => ForParent(account.Id, account.TokenVersion);

    /// <summary>A parent token from the account's id and token version alone (the refresh rotation reads no more).</summary>
    public AccessToken ForParent(Guid accountId, int tokenVersion) =>
        Issue(accountId, Roles.Parent, facilityId: null, tokenVersion,
            TimeSpan.FromMinutes(options.Value.ParentAccessTokenMinutes));

    public AccessToken ForStaff(StaffMember staff) =>
        Issue(staff.Id, RoleName(staff.Role), staff.FacilityId, staff.TokenVersion,
            TimeSpan.FromMinutes(options.Value.StaffAccessTokenMinutes));

    /// <summary>How long the enrolment-only token of <c>mfa_enrolment_required</c> works.</summary>
    public static readonly TimeSpan EnrolmentTokenLifetime = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A token that only reaches the staff second-factor endpoints (role <see cref="Roles.StaffMfaEnrolment"/>, no
    /// facility): for an account that must enrol before it may sign in.
    /// </summary>
    public AccessToken ForStaffMfaEnrolment(StaffMember staff) =>
        Issue(staff.Id, Roles.StaffMfaEnrolment, facilityId: null, staff.TokenVersion, EnrolmentTokenLifetime);

    public static string RoleName(StaffRole role) => role switch
    {
        StaffRole.Operator => Roles.Operator,
        StaffRole.Admin => Roles.Admin,
        StaffRole.Educator => Roles.Educator,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    private AccessToken Issue(Guid subject, string role, Guid? facilityId, int tokenVersion, TimeSpan lifetime)
    {
        var now = time.GetUtcNow();
        var expires = now + lifetime;
        var claims = new Dictionary<string, object>
        {
            [ClaimNames.Subject] = subject.ToString(),
            [ClaimNames.Role] = role,
            [ClaimNames.TokenVersion] = tokenVersion,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (facilityId is { } fid)
        {
            claims[ClaimNames.FacilityId] = fid.ToString();
        }
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = _credentials,
            TokenType = TokenType,
        };
        return new AccessToken(_handler.CreateToken(descriptor), expires);
    }
}
