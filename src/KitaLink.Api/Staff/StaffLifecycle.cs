using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Staff;

/// <summary>
/// Deactivation, reactivation and ending the sessions of a staff account, by a facility admin (any staff
/// member of their facility) or the operator (a facility's admins). Every change bumps or keeps the token
/// version so that it takes effect at the next request on every instance (<c>TokenRevocationCheck</c>).
/// </summary>
public sealed class StaffLifecycle(KitaLinkDbContext db, PasswordResets resets, AuditTrail audit, TimeProvider time)
{
    /// <summary>
    /// Deactivates the staff member; its access tokens and reset codes stop working at once. A facility keeps at
    /// least one active admin: the facility's admin rows are locked while counting, so two admins deactivating
    /// each other at the same time cannot both succeed.
    /// </summary>
    public async Task<Results<Ok<StaffResponse>, ApiProblem>> DeactivateAsync(
        Guid facilityId, Guid staffId, bool adminsOnly, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var admins = await db.StaffMembers
            .FromSql($"SELECT * FROM staff_members WHERE facility_id = {facilityId} AND role = 'admin' ORDER BY id FOR UPDATE")
            .ToListAsync(cancellationToken);
        var staff = await FindAsync(facilityId, staffId, adminsOnly, cancellationToken);
        if (staff is null)
        {
            return ApiProblem.Of(ErrorCodes.NotFound);
        }
        if (staff.IsActive && staff.Role == StaffRole.Admin && !admins.Any(a => a.Id != staff.Id && a.IsActive))
        {
            return ApiProblem.Of(ErrorCodes.LastActiveAdmin);
        }
        if (staff.Deactivate(time.GetUtcNow()))
        {
            await resets.EndStaffCodesAsync(staff.Id, cancellationToken);
            Record(AuditActions.StaffDeactivated, staff);
            await db.SaveChangesAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(StaffResponse.From(staff));
    }

    /// <summary>Lets the staff member sign in again with the old password; tokens from before the deactivation stay invalid.</summary>
    public async Task<Results<Ok<StaffResponse>, ApiProblem>> ReactivateAsync(
        Guid facilityId, Guid staffId, bool adminsOnly, CancellationToken cancellationToken)
    {
        var staff = await FindAsync(facilityId, staffId, adminsOnly, cancellationToken);
        if (staff is null)
        {
            return ApiProblem.Of(ErrorCodes.NotFound);
        }
        if (staff.Reactivate())
        {
            Record(AuditActions.StaffReactivated, staff);
            await db.SaveChangesAsync(cancellationToken);
        }
        return TypedResults.Ok(StaffResponse.From(staff));
    }

    /// <summary>Ends every session of the staff member (ASVS 7.4.5): all access tokens issued so far stop working.</summary>
    public async Task<Results<NoContent, ApiProblem>> EndSessionsAsync(
        Guid facilityId, Guid staffId, bool adminsOnly, CancellationToken cancellationToken)
    {
        var staff = await FindAsync(facilityId, staffId, adminsOnly, cancellationToken);
        if (staff is null)
        {
            return ApiProblem.Of(ErrorCodes.NotFound);
        }
        staff.RevokeTokens();
        Record(AuditActions.StaffSessionsEnded, staff);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The staff member of the facility (from the caller's token or the operator's path); another facility's is not found.</summary>
    private Task<StaffMember?> FindAsync(Guid facilityId, Guid staffId, bool adminsOnly, CancellationToken cancellationToken) =>
        db.StaffMembers.SingleOrDefaultAsync(
            s => s.Id == staffId && s.FacilityId == facilityId && (!adminsOnly || s.Role == StaffRole.Admin), cancellationToken);

    private void Record(string action, StaffMember staff) =>
        audit.Record(action, e => e.FacilityId = staff.FacilityId, new Dictionary<string, string>
        {
            ["staffId"] = staff.Id.ToString(),
            ["email"] = staff.Email,
        });
}
