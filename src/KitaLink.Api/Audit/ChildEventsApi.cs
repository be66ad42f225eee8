using System.Security.Claims;
using System.Text.Json;
using FluentValidation;
using KitaLink.Api.Children;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Audit;

/// <summary>Paging of a child's audit trail, newest first (see <see cref="Paging"/>).</summary>
public sealed record ChildEventsQuery(
    [property: FromQuery(Name = "limit")] int? Limit,
    [property: FromQuery(Name = "cursor")] string? Cursor)
{
    public const string List = "child-events";
}

/// <summary>Position in an audit trail: the id of the last event shown.</summary>
public sealed record ChildEventCursor(long Id);

public sealed class ChildEventsQueryValidator : AbstractValidator<ChildEventsQuery>
{
    public ChildEventsQueryValidator()
    {
        RuleFor(q => q.Limit).PageLimit();
        RuleFor(q => q.Cursor).PageCursor<ChildEventsQuery, ChildEventCursor>(ChildEventsQuery.List);
    }
}

/// <summary>Who did it: a staff member (display name), a parent (account email) or the service itself.</summary>
public sealed record AuditActor(AuditActorType Type, Guid? Id, string? Name);

public sealed record ChildEvent(
    long Id,
    DateTimeOffset OccurredAt,
    string Action,
    AuditActor Actor,
    Guid? GuardianId,
    Guid? PinPairId,
    IReadOnlyDictionary<string, string>? Data);

/// <summary>One page of events; <c>nextCursor</c> is null on the last page.</summary>
public sealed record ChildEventsResponse(IReadOnlyList<ChildEvent> Items, string? NextCursor);

public static class ChildEventsApi
{
    public static IEndpointRouteBuilder MapChildEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/facility/children/{childId:guid}/events", ListAsync)
            .WithTags("Children")
            .RequireAuthorization(Policies.Staff)
            .WithName("listChildEvents")
            .WithSummary("Audit trail of a child")
            .WithDescription("What happened to the child, its guardians and PINs, newest first: who did it and when. Never contains a PIN, password or token. Paged (`limit`, `cursor`, see the API introduction).")
            .WithValidation<ChildEventsQuery>()
            .ProducesErrors(ErrorCodes.NotFound);
        return app;
    }

    public static async Task<Results<Ok<ChildEventsResponse>, ApiProblem>> ListAsync(
        Guid childId,
        [AsParameters] ChildEventsQuery query,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        CancellationToken cancellationToken)
    {
        var child = await db.FindChildAsync(user, childId, cancellationToken);
        if (child is null)
        {
            return ApiProblem.NotFound();
        }

        var limit = Paging.LimitOrDefault(query.Limit);
        // Events written by the parent side may carry no facility; the child id (checked above) scopes them.
        var events = db.AuditEvents.AsNoTracking()
            .Where(e => e.ChildId == child.Id && (e.FacilityId == child.FacilityId || e.FacilityId == null));
        if (Paging.TryDecode<ChildEventCursor>(ChildEventsQuery.List, query.Cursor, out var after) && after is not null)
        {
            events = events.Where(e => e.Id < after.Id);
        }
        var page = await events.OrderByDescending(e => e.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var hasMore = page.Count > limit;
        if (hasMore)
        {
            page.RemoveAt(page.Count - 1);
        }

        var staffIds = page.Where(e => e.ActorType == AuditActorType.Staff && e.ActorId is not null).Select(e => e.ActorId!.Value).Distinct().ToList();
        var parentIds = page.Where(e => e.ActorType == AuditActorType.Parent && e.ActorId is not null).Select(e => e.ActorId!.Value).Distinct().ToList();
        var staffNames = staffIds.Count == 0
            ? []
            : await db.StaffMembers.AsNoTracking().Where(s => staffIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.DisplayName, cancellationToken);
        var parentEmails = parentIds.Count == 0
            ? []
            : await db.ParentAccounts.AsNoTracking().Where(a => parentIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Email, cancellationToken);

        var items = page.Select(e => new ChildEvent(
            e.Id,
            e.OccurredAt,
            e.Action,
            new AuditActor(e.ActorType, e.ActorId, ActorName(e, staffNames, parentEmails)),
            e.GuardianId,
            e.PinPairId,
            ParseData(e.Data))).ToList();
        return TypedResults.Ok(new ChildEventsResponse(items,
            hasMore ? Paging.Encode(ChildEventsQuery.List, new ChildEventCursor(items[^1].Id)) : null));
    }

    private static string? ActorName(AuditEvent e, Dictionary<Guid, string> staffNames, Dictionary<Guid, string> parentEmails) =>
        e.ActorId is { } id && (e.ActorType == AuditActorType.Staff ? staffNames : parentEmails).TryGetValue(id, out var name)
            ? name
            : e.ActorName;

    private static Dictionary<string, string>? ParseData(string? data)
    {
        if (data is null)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement.ValueKind != JsonValueKind.Object
                ? null
                : document.RootElement.EnumerateObject().ToDictionary(
                    p => p.Name,
                    p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
