using System.Text.Json.Serialization;
using FluentValidation;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KitaLink.Api.Staff;

/// <summary>The roles a facility's staff account can have (operators are not created through the API).</summary>
public enum FacilityStaffRole
{
    Admin,
    Educator,
}

/// <summary>A new staff account of a facility. <c>role</c> defaults to <c>admin</c>.</summary>
/// <remarks>Growable: unknown members are ignored (docs/integrators.md, "Compatibility").</remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record CreateStaffRequest(string Email, string DisplayName, string Password, FacilityStaffRole? Role = null);

public sealed class CreateStaffRequestValidator : AbstractValidator<CreateStaffRequest>
{
    public CreateStaffRequestValidator()
    {
        RuleFor(r => r.Email).PlausibleEmail();
        RuleFor(r => r.DisplayName).Label(200);
        RuleFor(r => r.Password).AcceptablePassword();
        RuleFor(r => r.Role).IsInEnum();
    }
}

/// <param name="Active">False once an admin (or the operator) deactivated the account: it cannot sign in and its tokens stopped working.</param>
/// <param name="DeactivatedAt">When it was deactivated; null while active.</param>
public sealed record StaffResponse(
    Guid Id, string Email, string DisplayName, StaffRole Role, Guid? FacilityId, DateTimeOffset CreatedAt, bool Active = true,
    DateTimeOffset? DeactivatedAt = null)
{
    public static StaffResponse From(StaffMember staff) =>
        new(staff.Id, staff.Email, staff.DisplayName, staff.Role, staff.FacilityId, staff.CreatedAt, staff.IsActive, staff.DeactivatedAt);
}

/// <summary>Creates staff accounts for the operator (a facility's first admin) and facility admins (their team).</summary>
public static class StaffAccounts
{
    /// <summary>Creates the account; a duplicate email (any facility, or an operator) is <c>conflict</c>.</summary>
    public static async Task<Results<Created<StaffResponse>, ApiProblem>> CreateAsync(
        Guid facilityId,
        CreateStaffRequest request,
        Func<StaffMember, string> location,
        KitaLinkDbContext db,
        PasswordHashing hashing,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var normalized = EmailAddress.Normalize(request.Email);
        if (await db.StaffMembers.AnyAsync(s => s.NormalizedEmail == normalized, cancellationToken))
        {
            return ApiProblem.Of(ErrorCodes.Conflict);
        }

        var role = request.Role == FacilityStaffRole.Educator ? StaffRole.Educator : StaffRole.Admin;
        var now = time.GetUtcNow();
        var staff = new StaffMember(facilityId, request.Email, request.DisplayName.Trim(), role, now);
        staff.SetPasswordHash(await hashing.HashAsync(request.Password, cancellationToken), now);
        db.StaffMembers.Add(staff);
        audit.Record(AuditActions.StaffCreated, e => e.FacilityId = facilityId, new Dictionary<string, string>
        {
            ["staffId"] = staff.Id.ToString(),
            ["email"] = staff.Email,
            ["role"] = AccessTokenIssuer.RoleName(role),
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Two requests created the same email at once; the unique index let exactly one through.
            db.ChangeTracker.Clear();
            return ApiProblem.Of(ErrorCodes.Conflict);
        }
        return TypedResults.Created(location(staff), StaffResponse.From(staff));
    }
}
