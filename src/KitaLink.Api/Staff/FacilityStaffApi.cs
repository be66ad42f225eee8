using System.Security.Claims;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Staff;

public sealed record StaffListResponse(IReadOnlyList<StaffResponse> Items);

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
            .WithDescription("Admins and educators of the caller's facility (from the token). Facility admins only.");
        group.MapPost("/", CreateAsync)
            .WithName("createFacilityStaff")
            .WithSummary("Create a staff account")
            .WithDescription("Creates an admin or educator (default `admin`) in the caller's facility. Email addresses are unique across all staff.")
            .WithValidation<CreateStaffRequest>()
            .ProducesErrors(ErrorCodes.Conflict, ErrorCodes.ServiceUnavailable);
        return app;
    }

    public static async Task<Ok<StaffListResponse>> ListAsync(ClaimsPrincipal user, KitaLinkDbContext db, CancellationToken cancellationToken)
    {
        var facilityId = user.FacilityId();
        var staff = await db.StaffMembers.AsNoTracking()
            .Where(s => s.FacilityId == facilityId)
            .OrderBy(s => s.DisplayName).ThenBy(s => s.Id)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new StaffListResponse(staff.Select(StaffResponse.From).ToList()));
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
