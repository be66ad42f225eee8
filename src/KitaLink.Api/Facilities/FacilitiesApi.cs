using FluentValidation;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Facilities;

public sealed record CreateFacilityRequest(string Name);

public sealed class CreateFacilityRequestValidator : AbstractValidator<CreateFacilityRequest>
{
    public CreateFacilityRequestValidator() => RuleFor(r => r.Name).Label(200);
}

/// <summary>A facility as the operator sees it: its name and its admins, never any child data.</summary>
public sealed record FacilityResponse(Guid Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<StaffResponse> Admins);

public sealed record FacilityListResponse(IReadOnlyList<FacilityResponse> Items);

/// <summary>The operator's endpoints: facilities and their first admins.</summary>
public static class FacilitiesApi
{
    public static IEndpointRouteBuilder MapFacilities(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/facilities")
            .WithTag("Operator", "Facilities and their first admins. Role `operator`; never any child data.")
            .RequireAuthorization(Policies.Operator);

        group.MapGet("/", ListAsync)
            .WithName("listFacilities")
            .WithSummary("List facilities")
            .WithDescription("All facilities with their admins, ordered by name. Operators only; contains no child data.");
        group.MapPost("/", CreateAsync)
            .WithName("createFacility")
            .WithSummary("Create a facility")
            .WithDescription("Creates a facility (daycare). Add its first admin with POST /api/v1/facilities/{facilityId}/staff.")
            .WithValidation<CreateFacilityRequest>();
        group.MapGet("/{facilityId:guid}", GetAsync)
            .WithName("getFacility")
            .WithSummary("Get a facility")
            .WithDescription("One facility with its admins.")
            .ProducesErrors(ErrorCodes.NotFound);
        group.MapPost("/{facilityId:guid}/staff", CreateStaffAsync)
            .WithName("createFacilityStaffAsOperator")
            .WithSummary("Create a staff account of a facility")
            .WithDescription("Creates a staff account (role `admin` by default, or `educator`) in the given facility, typically its first admin, who then manages the facility's team. Email addresses are unique across all staff.")
            .WithValidation<CreateStaffRequest>()
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.Conflict, ErrorCodes.ServiceUnavailable);
        return app;
    }

    public static async Task<Ok<FacilityListResponse>> ListAsync(KitaLinkDbContext db, CancellationToken cancellationToken)
    {
        var facilities = await db.Facilities.AsNoTracking().OrderBy(f => f.Name).ThenBy(f => f.Id).ToListAsync(cancellationToken);
        var admins = await db.StaffMembers.AsNoTracking()
            .Where(s => s.Role == StaffRole.Admin)
            .OrderBy(s => s.CreatedAt)
            .ToListAsync(cancellationToken);
        var byFacility = admins.ToLookup(s => s.FacilityId);
        return TypedResults.Ok(new FacilityListResponse(
            facilities.Select(f => ToResponse(f, byFacility[f.Id])).ToList()));
    }

    public static async Task<Results<Ok<FacilityResponse>, ApiProblem>> GetAsync(
        Guid facilityId, KitaLinkDbContext db, CancellationToken cancellationToken)
    {
        var facility = await db.Facilities.AsNoTracking().SingleOrDefaultAsync(f => f.Id == facilityId, cancellationToken);
        if (facility is null)
        {
            return ApiProblem.NotFound();
        }
        var admins = await db.StaffMembers.AsNoTracking()
            .Where(s => s.FacilityId == facilityId && s.Role == StaffRole.Admin)
            .OrderBy(s => s.CreatedAt)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(ToResponse(facility, admins));
    }

    public static async Task<Created<FacilityResponse>> CreateAsync(
        CreateFacilityRequest request,
        KitaLinkDbContext db,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var facility = new Facility(request.Name.Trim(), time.GetUtcNow());
        db.Facilities.Add(facility);
        audit.Record(AuditActions.FacilityCreated, e => e.FacilityId = facility.Id,
            new Dictionary<string, string> { ["name"] = facility.Name });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/facilities/{facility.Id}", ToResponse(facility, []));
    }

    public static async Task<Results<Created<StaffResponse>, ApiProblem>> CreateStaffAsync(
        Guid facilityId,
        CreateStaffRequest request,
        KitaLinkDbContext db,
        PasswordHashing hashing,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!await db.Facilities.AnyAsync(f => f.Id == facilityId, cancellationToken))
        {
            return ApiProblem.NotFound();
        }
        return await StaffAccounts.CreateAsync(facilityId, request, _ => $"/api/v1/facilities/{facilityId}",
            db, hashing, audit, time, cancellationToken);
    }

    private static FacilityResponse ToResponse(Facility facility, IEnumerable<StaffMember> admins) =>
        new(facility.Id, facility.Name, facility.CreatedAt, admins.Select(StaffResponse.From).ToList());
}
