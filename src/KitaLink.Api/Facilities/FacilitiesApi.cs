using System.Security.Claims;
using System.Text.Json.Serialization;
using FluentValidation;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Facilities;

/// <remarks>Growable: unknown members are ignored (docs/integrators.md, "Compatibility").</remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record CreateFacilityRequest(string Name);

public sealed class CreateFacilityRequestValidator : AbstractValidator<CreateFacilityRequest>
{
    public CreateFacilityRequestValidator() => RuleFor(r => r.Name).Label(200);
}

/// <summary>A facility as the operator sees it: its name, contact details and admins, never any child data.</summary>
public sealed record FacilityResponse(Guid Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<StaffResponse> Admins, FacilityContact Contact);

/// <summary>The caller's own facility as its staff see it: name and the contact details printed on PIN letters.</summary>
public sealed record OwnFacilityResponse(Guid Id, string Name, FacilityContact Contact);

/// <summary>One page of facilities; <c>nextCursor</c> is null on the last page.</summary>
public sealed record FacilityListResponse(IReadOnlyList<FacilityResponse> Items, string? NextCursor);

/// <summary>Paging of the facility list (see <see cref="Paging"/>).</summary>
public sealed record FacilityListQuery(
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] int? Limit,
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "cursor")] string? Cursor)
{
    public const string List = "facilities";
}

/// <summary>Position in the facility list: its sort key (name, id).</summary>
public sealed record FacilityCursor(string Name, Guid Id);

public sealed class FacilityListQueryValidator : AbstractValidator<FacilityListQuery>
{
    public FacilityListQueryValidator()
    {
        RuleFor(q => q.Limit).PageLimit();
        RuleFor(q => q.Cursor).PageCursor<FacilityListQuery, FacilityCursor>(FacilityListQuery.List);
    }
}

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
            .WithDescription("All facilities with their admins, ordered by name. Operators only; contains no child data. Paged (`limit`, `cursor`, see the API introduction).")
            .WithValidation<FacilityListQuery>();
        group.MapPost("/", CreateAsync)
            .WithName("createFacility")
            .WithSummary("Create a facility")
            .WithDescription("Creates a facility (daycare). Add its first admin with POST /api/v1/facilities/{facilityId}/staff.")
            .WithValidation<CreateFacilityRequest>()
            .WithIdempotency();
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
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.Conflict, ErrorCodes.ServiceUnavailable)
            .WithIdempotency();
        group.MapPatch("/{facilityId:guid}", UpdateAsync)
            .WithName("updateFacility")
            .WithSummary("Update a facility")
            .WithDescription("Changes the name or the contact details (address, phone, email) printed on the PIN letters. Absent fields stay; an empty contact field is removed.")
            .WithValidation<UpdateFacilityRequest>()
            .ProducesErrors(ErrorCodes.NotFound);

        group.MapPost("/{facilityId:guid}/staff/{staffId:guid}/deactivate", DeactivateAdminAsync)
            .WithName("deactivateFacilityAdmin")
            .WithSummary("Deactivate a facility admin")
            .WithDescription("The operator deactivates an admin of the facility (educators are managed by the facility's admins): the " +
                "admin can no longer sign in and every token stops working at once. The facility's last active admin cannot be " +
                "deactivated (`last_active_admin`): create the successor first.")
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.LastActiveAdmin, ErrorCodes.ServiceUnavailable);
        group.MapPost("/{facilityId:guid}/staff/{staffId:guid}/reactivate", ReactivateAdminAsync)
            .WithName("reactivateFacilityAdmin")
            .WithSummary("Reactivate a facility admin")
            .WithDescription("The admin can sign in again with their password; tokens from before the deactivation stay invalid.")
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.ServiceUnavailable);
        group.MapPost("/{facilityId:guid}/staff/{staffId:guid}/sessions/end", EndAdminSessionsAsync)
            .WithName("endFacilityAdminSessions")
            .WithSummary("End every session of a facility admin")
            .WithDescription("Every access token of the admin issued so far stops working at once; the account stays active. Audited.")
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.ServiceUnavailable);

        var own = app.MapGroup("/api/v1/facility")
            .WithTag("Facility", "The caller's own facility: the contact details printed on PIN letters.")
            .RequireAuthorization(Policies.Staff);
        own.MapGet("/", GetOwnAsync)
            .WithName("getOwnFacility")
            .WithSummary("Get the own facility")
            .WithDescription("The caller's facility with the contact details printed on the PIN letters.");
        own.MapPatch("/", UpdateOwnAsync)
            .WithName("updateOwnFacility")
            .WithSummary("Update the own facility's contact details")
            .WithDescription("Facility admins set the address, phone and email printed on the PIN letters where they say \"ask your Kita\". Absent fields stay; an empty field is removed.")
            .RequireAuthorization(Policies.FacilityAdmin)
            .WithValidation<UpdateFacilityContactRequest>();
        return app;
    }

    public static async Task<Results<Ok<FacilityResponse>, ApiProblem>> UpdateAsync(
        Guid facilityId,
        UpdateFacilityRequest request,
        KitaLinkDbContext db,
        AuditTrail audit,
        CancellationToken cancellationToken)
    {
        var facility = await db.Facilities.SingleOrDefaultAsync(f => f.Id == facilityId, cancellationToken);
        if (facility is null)
        {
            return ApiProblem.NotFound();
        }
        if (request.Name is not null)
        {
            facility.Rename(request.Name.Trim());
        }
        facility.UpdateContact(request.Address, request.Phone, request.Email);
        RecordContact(audit, facility);
        await db.SaveChangesAsync(cancellationToken);
        return await GetAsync(facilityId, db, cancellationToken);
    }

    public static async Task<Ok<OwnFacilityResponse>> GetOwnAsync(ClaimsPrincipal user, KitaLinkDbContext db, CancellationToken cancellationToken)
    {
        var facilityId = user.FacilityId();
        var facility = await db.Facilities.AsNoTracking().SingleAsync(f => f.Id == facilityId, cancellationToken);
        return TypedResults.Ok(new OwnFacilityResponse(facility.Id, facility.Name, FacilityContact.Of(facility)));
    }

    public static async Task<Ok<OwnFacilityResponse>> UpdateOwnAsync(
        UpdateFacilityContactRequest request,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        AuditTrail audit,
        CancellationToken cancellationToken)
    {
        var facilityId = user.FacilityId();
        var facility = await db.Facilities.SingleAsync(f => f.Id == facilityId, cancellationToken);
        facility.UpdateContact(request.Address, request.Phone, request.Email);
        RecordContact(audit, facility);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new OwnFacilityResponse(facility.Id, facility.Name, FacilityContact.Of(facility)));
    }

    private static void RecordContact(AuditTrail audit, Facility facility) =>
        audit.Record(AuditActions.FacilityContactUpdated, e => e.FacilityId = facility.Id, new Dictionary<string, string>
        {
            ["name"] = facility.Name,
            ["address"] = facility.ContactAddress ?? "",
            ["phone"] = facility.ContactPhone ?? "",
            ["email"] = facility.ContactEmail ?? "",
        });

    public static Task<Results<Ok<StaffResponse>, ApiProblem>> DeactivateAdminAsync(
        Guid facilityId, Guid staffId, StaffLifecycle lifecycle, CancellationToken cancellationToken) =>
        lifecycle.DeactivateAsync(facilityId, staffId, adminsOnly: true, cancellationToken);

    public static Task<Results<Ok<StaffResponse>, ApiProblem>> ReactivateAdminAsync(
        Guid facilityId, Guid staffId, StaffLifecycle lifecycle, CancellationToken cancellationToken) =>
        lifecycle.ReactivateAsync(facilityId, staffId, adminsOnly: true, cancellationToken);

    public static Task<Results<NoContent, ApiProblem>> EndAdminSessionsAsync(
        Guid facilityId, Guid staffId, StaffLifecycle lifecycle, CancellationToken cancellationToken) =>
        lifecycle.EndSessionsAsync(facilityId, staffId, adminsOnly: true, cancellationToken);

    public static async Task<Ok<FacilityListResponse>> ListAsync(
        [AsParameters] FacilityListQuery query, KitaLinkDbContext db, CancellationToken cancellationToken)
    {
        var limit = Paging.LimitOrDefault(query.Limit);
        var facilities = db.Facilities.AsNoTracking();
        if (Paging.TryDecode<FacilityCursor>(FacilityListQuery.List, query.Cursor, out var after) && after is not null)
        {
            facilities = facilities.Where(f => EF.Functions.GreaterThan(ValueTuple.Create(f.Name, f.Id), ValueTuple.Create(after.Name, after.Id)));
        }
        var (page, last) = Paging.Trim(
            await facilities.OrderBy(f => f.Name).ThenBy(f => f.Id).Take(limit + 1).ToListAsync(cancellationToken), limit);
        var ids = page.Select(f => f.Id).ToList();
        var admins = await db.StaffMembers.AsNoTracking()
            .Where(s => s.Role == StaffRole.Admin && s.FacilityId != null && ids.Contains(s.FacilityId.Value))
            .OrderBy(s => s.CreatedAt)
            .ToListAsync(cancellationToken);
        var byFacility = admins.ToLookup(s => s.FacilityId);
        var next = last is null ? null : Paging.Encode(FacilityListQuery.List, new FacilityCursor(last.Name, last.Id));
        return TypedResults.Ok(new FacilityListResponse(page.Select(f => ToResponse(f, byFacility[f.Id])).ToList(), next));
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
        new(facility.Id, facility.Name, facility.CreatedAt, admins.Select(StaffResponse.From).ToList(), FacilityContact.Of(facility));
}
