using System.Security.Claims;
using KitaLink.Api.Audit;
using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Pins;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Children;

public sealed record ChildSummary(
    Guid Id,
    string FirstName,
    string LastName,
    DateOnly DateOfBirth,
    string? Group,
    ChildStatus Status,
    int GuardianCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One page of children; <c>nextCursor</c> is null on the last page.</summary>
public sealed record ChildListResponse(IReadOnlyList<ChildSummary> Items, string? NextCursor);

/// <summary>The child profile: the child and, per guardian, the help desk view (email, PIN status, PIN 2 delivery, linked accounts).</summary>
public sealed record ChildProfile(
    Guid Id,
    string FirstName,
    string LastName,
    DateOnly DateOfBirth,
    string? Group,
    ChildStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<GuardianView> Guardians);

/// <summary>The facility's children. Staff (admins and educators) only; the facility always comes from the token.</summary>
public static class ChildrenApi
{
    public static IEndpointRouteBuilder MapChildren(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/facility/children")
            .WithTag("Children", "The facility's children, the child profile (the help desk view per guardian) and the child's audit trail.")
            .RequireAuthorization(Policies.Staff);

        group.MapGet("/", ListAsync)
            .WithName("listChildren")
            .WithSummary("List the facility's children")
            .WithDescription("Children of the caller's facility ordered by last and first name. Filters: `status` (`active`, `left`), `search` (part of the first or last name, case-insensitive), `group`. Paged (`limit`, `cursor`, see the API introduction).")
            .ChecksStaffTokenVersionInHandler()
            .WithValidation<ChildListQuery>();
        group.MapPost("/", CreateAsync)
            .WithName("createChild")
            .WithSummary("Create a child")
            .WithDescription("Creates an active child in the caller's facility. Add guardians next, then create PINs per guardian.")
            .WithETag()
            .WithValidation<CreateChildRequest>()
            .WithIdempotency();
        group.MapGet("/{childId:guid}", GetAsync)
            .WithName("getChild")
            .WithSummary("Get the child profile")
            .WithETag()
            .WithDescription("The child with its guardians. The `ETag` versions the child's own fields; send it as `If-Match` with `PATCH` to change only what you read. Per guardian: the email as entered, the newest PIN pair (status `none`, `pending`, `redeemed`, `expired`, `revoked` or `locked`; PIN 1 and expiry while pending; failed attempts), the PIN 2 email delivery (`queued`, `sent`, `failed` with the mail server's reason, attempts, times) and the parent accounts linked through this guardian (the email the parent registered with, link time).")
            .ProducesErrors(ErrorCodes.NotFound);
        group.MapPatch("/{childId:guid}", UpdateAsync)
            .WithName("updateChild")
            .WithSummary("Update a child")
            .WithDescription("Changes the given fields. `status: left` marks a child that left the facility; its record, guardians and history stay, and a parent can then move the child's link to its new facility.")
            .WithValidation<UpdateChildRequest>()
            .HonoursIfMatch()
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.Conflict);
        return app;
    }

    public static async Task<Results<Ok<ChildListResponse>, ApiProblem>> ListAsync(
        [AsParameters] ChildListQuery query,
        ClaimsPrincipal user,
        FacilityChildrenReader children,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        Paging.TryDecode<ChildCursor>(ChildListQuery.List, query.Cursor, out var after);
        var filter = new ChildListFilter(
            query.StatusFilter, InputRules.TrimToNull(query.Group), InputRules.TrimToNull(query.Search), after);
        var limit = Paging.LimitOrDefault(query.Limit);
        // The staff list is the help desk's most frequent read: the token version is checked in the same statement
        // (ChecksStaffTokenVersionInHandler); no row at all means a revoked token.
        var fetched = await children.ListAsync(user.FacilityId(), user.UserId(), user.TokenVersion(), filter, limit, cancellationToken);
        if (fetched is null)
        {
            return TokenVersionCheckedByHandler.Rejected(http);
        }
        var (items, last) = Paging.Trim(fetched, limit);
        var next = last is null ? null : Paging.Encode(ChildListQuery.List, new ChildCursor(last.LastName, last.FirstName, last.Id));
        return TypedResults.Ok(new ChildListResponse(items, next));
    }

    public static async Task<Created<ChildProfile>> CreateAsync(
        CreateChildRequest request,
        ClaimsPrincipal user,
        HttpContext http,
        KitaLinkDbContext db,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var facilityId = user.FacilityId();
        var child = new Child(facilityId, request.FirstName.Trim(), request.LastName.Trim(), request.DateOfBirth!.Value,
            InputRules.TrimToNull(request.Group), time.GetUtcNow());
        db.Children.Add(child);
        audit.Record(AuditActions.ChildCreated, e => { e.FacilityId = facilityId; e.ChildId = child.Id; });
        await db.SaveChangesAsync(cancellationToken);
        ConditionalRequests.SetETag(http, child.Version);
        return TypedResults.Created($"/api/v1/facility/children/{child.Id}", ToProfile(child, []));
    }

    public static async Task<Results<Ok<ChildProfile>, ApiProblem>> GetAsync(
        Guid childId,
        ClaimsPrincipal user,
        HttpContext http,
        KitaLinkDbContext db,
        PinProtector pins,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var child = await db.FindChildAsync(user, childId, cancellationToken);
        if (child is null)
        {
            return ApiProblem.NotFound();
        }
        ConditionalRequests.SetETag(http, child.Version);
        return TypedResults.Ok(await LoadProfileAsync(db, pins, time, child, cancellationToken));
    }

    public static async Task<Results<Ok<ChildProfile>, ApiProblem>> UpdateAsync(
        Guid childId,
        UpdateChildRequest request,
        ClaimsPrincipal user,
        HttpContext http,
        KitaLinkDbContext db,
        PinProtector pins,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var child = await db.FindChildAsync(user, childId, cancellationToken);
        if (child is null)
        {
            return ApiProblem.NotFound();
        }
        if (!ConditionalRequests.IfMatchAllows(http.Request, child.Version))
        {
            return ApiProblem.Of(ErrorCodes.PreconditionFailed);
        }

        var changed = new List<string>();
        var firstName = request.FirstName?.Trim();
        var lastName = request.LastName?.Trim();
        // null = unchanged; "" = no group.
        var group = request.Group is null ? child.Group : InputRules.TrimToNull(request.Group);
        if (firstName is not null && firstName != child.FirstName)
        {
            changed.Add("firstName");
        }
        if (lastName is not null && lastName != child.LastName)
        {
            changed.Add("lastName");
        }
        if (request.DateOfBirth is { } born && born != child.DateOfBirth)
        {
            changed.Add("dateOfBirth");
        }
        if (group != child.Group)
        {
            changed.Add("group");
        }
        if (request.Status is { } status && status != child.Status)
        {
            changed.Add("status");
        }

        if (changed.Count > 0)
        {
            var now = time.GetUtcNow();
            child.Update(firstName, lastName, request.DateOfBirth, group: null, request.Status, now);
            if (group != child.Group)
            {
                child.AssignGroup(group, now);
            }
            var data = new Dictionary<string, string> { ["changed"] = string.Join(',', changed) };
            if (changed.Contains("status"))
            {
                data["status"] = child.Status == ChildStatus.Left ? "left" : "active";
            }
            audit.Record(AuditActions.ChildUpdated, e => { e.FacilityId = child.FacilityId; e.ChildId = child.Id; }, data);
            try
            {
                // The row version is the concurrency token: another edit since the read fails the UPDATE.
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                db.ChangeTracker.Clear();
                return ApiProblem.Of(ConditionalRequests.HasIfMatch(http.Request) ? ErrorCodes.PreconditionFailed : ErrorCodes.Conflict);
            }
        }
        ConditionalRequests.SetETag(http, child.Version);
        return TypedResults.Ok(await LoadProfileAsync(db, pins, time, child, cancellationToken));
    }

    public static async Task<ChildProfile> LoadProfileAsync(
        KitaLinkDbContext db, PinProtector pins, TimeProvider time, Child child, CancellationToken cancellationToken)
    {
        var guardians = await db.Guardians.AsNoTracking()
            .Where(g => g.ChildId == child.Id && g.FacilityId == child.FacilityId)
            .ToListAsync(cancellationToken);
        var views = await GuardianViews.LoadAsync(db, pins, time.GetUtcNow(), child.FacilityId, child.Id, guardians, cancellationToken);
        return ToProfile(child, views);
    }

    private static ChildProfile ToProfile(Child child, IReadOnlyList<GuardianView> guardians) =>
        new(child.Id, child.FirstName, child.LastName, child.DateOfBirth, child.Group, child.Status, child.CreatedAt, child.UpdatedAt, guardians);
}
