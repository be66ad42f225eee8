using System.Security.Claims;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Staff;

/// <summary>One page of staff; <c>nextCursor</c> is null on the last page.</summary>
public sealed record StaffListResponse(IReadOnlyList<StaffResponse> Items, string? NextCursor);

/// <summary>Paging of the staff list (see <see cref="Paging"/>).</summary>
public sealed record StaffListQuery(
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] int? Limit,
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "cursor")] string? Cursor)
{
    public const string List = "facility-staff";
}

/// <summary>Position in the staff list: its sort key (display name, id).</summary>
public sealed record StaffCursor(string DisplayName, Guid Id);

public sealed class StaffListQueryValidator : FluentValidation.AbstractValidator<StaffListQuery>
{
    public StaffListQueryValidator()
    {
        RuleFor(q => q.Limit).PageLimit();
        RuleFor(q => q.Cursor).PageCursor<StaffListQuery, StaffCursor>(StaffListQuery.List);
    }
}

/// <summary>A facility admin manages the facility's team (admins and educators).</summary>
public static class FacilityStaffApi
{
    public static IEndpointRouteBuilder MapFacilityStaff(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/facility/staff")
            .WithTag("Facility staff", "The facility admin manages the facility's team (admins and educators).")
            .RequireAuthorization(Policies.FacilityAdmin);

        group.MapGet("/", ListAsync)
            .WithName("listFacilityStaff")
            .WithSummary("List the facility's staff")
            .WithDescription("Admins and educators of the caller's facility (from the token), ordered by name. Facility admins only. Paged (`limit`, `cursor`, see the API introduction).")
            .WithValidation<StaffListQuery>();
        group.MapPost("/", CreateAsync)
            .WithName("createFacilityStaff")
            .WithSummary("Create a staff account")
            .WithDescription("Creates an admin or educator (default `admin`) in the caller's facility. Email addresses are unique across all staff.")
            .WithValidation<CreateStaffRequest>()
            .ProducesErrors(ErrorCodes.Conflict, ErrorCodes.ServiceUnavailable)
            .WithIdempotency();
        group.MapPost("/{staffId:guid}/deactivate", DeactivateAsync)
            .WithName("deactivateFacilityStaff")
            .WithSummary("Deactivate a staff account")
            .WithDescription("The staff member can no longer sign in (the answer is `invalid_credentials`, as for a wrong password), " +
                "every access token and emailed reset code of the account stops working at once, and the account stays listed with " +
                "`active: false`. Deactivating a deactivated account changes nothing. The facility's last active admin cannot be " +
                "deactivated (`last_active_admin`): create or reactivate another admin first. Facility admins only.")
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.LastActiveAdmin, ErrorCodes.ServiceUnavailable);
        group.MapPost("/{staffId:guid}/reactivate", ReactivateAsync)
            .WithName("reactivateFacilityStaff")
            .WithSummary("Reactivate a staff account")
            .WithDescription("The staff member can sign in again with their password; tokens from before the deactivation stay invalid. " +
                "Facility admins only.")
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.ServiceUnavailable);
        group.MapPost("/{staffId:guid}/sessions/end", EndSessionsAsync)
            .WithName("endFacilityStaffSessions")
            .WithSummary("End every session of a staff member")
            .WithDescription("Every access token of the staff member issued so far stops working at once (e.g. a lost or shared " +
                "device); the account stays active and can sign in again. Audited in the facility's trail. Facility admins only.")
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.ServiceUnavailable);
        return app;
    }

    public static Task<Results<Ok<StaffResponse>, ApiProblem>> DeactivateAsync(
        Guid staffId, ClaimsPrincipal user, StaffLifecycle lifecycle, CancellationToken cancellationToken) =>
        lifecycle.DeactivateAsync(user.FacilityId(), staffId, adminsOnly: false, cancellationToken);

    public static Task<Results<Ok<StaffResponse>, ApiProblem>> ReactivateAsync(
        Guid staffId, ClaimsPrincipal user, StaffLifecycle lifecycle, CancellationToken cancellationToken) =>
        lifecycle.ReactivateAsync(user.FacilityId(), staffId, adminsOnly: false, cancellationToken);

    public static Task<Results<NoContent, ApiProblem>> EndSessionsAsync(
        Guid staffId, ClaimsPrincipal user, StaffLifecycle lifecycle, CancellationToken cancellationToken) =>
        lifecycle.EndSessionsAsync(user.FacilityId(), staffId, adminsOnly: false, cancellationToken);

    public static async Task<Ok<StaffListResponse>> ListAsync(
        [AsParameters] StaffListQuery query, ClaimsPrincipal user, KitaLinkDbContext db, CancellationToken cancellationToken)
    {
        var facilityId = user.FacilityId();
        var limit = Paging.LimitOrDefault(query.Limit);
        var staff = db.StaffMembers.AsNoTracking().Where(s => s.FacilityId == facilityId);
        if (Paging.TryDecode<StaffCursor>(StaffListQuery.List, query.Cursor, out var after) && after is not null)
        {
            staff = staff.Where(s => EF.Functions.GreaterThan(ValueTuple.Create(s.DisplayName, s.Id), ValueTuple.Create(after.DisplayName, after.Id)));
        }
        var (page, last) = Paging.Trim(
            await staff.OrderBy(s => s.DisplayName).ThenBy(s => s.Id).Take(limit + 1).ToListAsync(cancellationToken), limit);
        var next = last is null ? null : Paging.Encode(StaffListQuery.List, new StaffCursor(last.DisplayName, last.Id));
        return TypedResults.Ok(new StaffListResponse(page.Select(StaffResponse.From).ToList(), next));
    }

    public static Task<Results<Created<StaffResponse>, ApiProblem>> CreateAsync(
        CreateStaffRequest request,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        PasswordHashing hashing,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken) =>
        StaffAccounts.CreateAsync(user.FacilityId(), request, _ => "/api/v1/facility/staff", db, hashing, audit, time, cancellationToken);
}
