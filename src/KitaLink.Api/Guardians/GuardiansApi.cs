using System.Security.Claims;
using KitaLink.Api.Audit;
using KitaLink.Api.Children;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Pins;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Guardians;

/// <summary>Guardians of a child of the caller's facility.</summary>
public static class GuardiansApi
{
    public static IEndpointRouteBuilder MapGuardians(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/facility/children/{childId:guid}/guardians")
            .WithTag("Guardians", "People entitled to a child, with the email address the parent must register with.")
            .RequireAuthorization(Policies.Staff);

        group.MapPost("/", CreateAsync)
            .WithName("createGuardian")
            .WithSummary("Add a guardian to a child")
            .WithDescription("Records a person entitled to the child, with the email address exactly as they gave it (surrounding whitespace is trimmed). The parent must later register with this address; letter case does not matter, anything else does.")
            .WithValidation<CreateGuardianRequest>()
            .WithETag()
            .ProducesErrors(ErrorCodes.NotFound)
            .WithIdempotency();
        group.MapGet("/{guardianId:guid}", GetAsync)
            .WithName("getGuardian")
            .WithSummary("Get a guardian")
            .WithDescription("The guardian's help desk view, as in the child profile. The `ETag` versions the guardian's own fields (name, relationship, email); send it as `If-Match` with `PATCH`.")
            .WithETag()
            .ProducesErrors(ErrorCodes.NotFound)
            .FindsGuardianInScope();
        group.MapPatch("/{guardianId:guid}", UpdateAsync)
            .WithName("updateGuardian")
            .WithSummary("Update a guardian")
            .WithDescription("Changes the given fields; an empty `preferredLanguage` removes it (German only). Changing the email revokes a pending PIN pair, because its PIN 2 went to the old address; create new PINs afterwards.")
            .WithValidation<UpdateGuardianRequest>()
            .HonoursIfMatch()
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.Conflict)
            .FindsGuardianInScope()
            .AnswersConflictOnConcurrentChange();
        return app;
    }

    public static async Task<Results<Created<GuardianView>, ApiProblem>> CreateAsync(
        Guid childId,
        CreateGuardianRequest request,
        ClaimsPrincipal user,
        HttpContext http,
        KitaLinkDbContext db,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var child = await db.FindChildAsync(user, childId, cancellationToken);
        if (child is null)
        {
            return ApiProblem.NotFound();
        }
        var guardian = new Guardian(child.FacilityId, child.Id, request.Name.Trim(), request.Relationship.Trim(), request.Email, time.GetUtcNow());
        if (request.PreferredLanguage is not null)
        {
            guardian.SetPreferredLanguage(request.PreferredLanguage, time.GetUtcNow());
        }
        db.Guardians.Add(guardian);
        audit.Record(AuditActions.GuardianCreated, e =>
        {
            e.FacilityId = child.FacilityId;
            e.ChildId = child.Id;
            e.GuardianId = guardian.Id;
        }, new Dictionary<string, string> { ["email"] = guardian.Email });
        await db.SaveChangesAsync(cancellationToken);
        ConditionalRequests.SetETag(http, guardian.Version);
        return TypedResults.Created(
            $"/api/v1/facility/children/{child.Id}/guardians/{guardian.Id}",
            new GuardianView(guardian.Id, guardian.ChildId, guardian.Name, guardian.Relationship, guardian.Email,
                guardian.CreatedAt, guardian.UpdatedAt, new PinView(PinStatus.None), [], guardian.PreferredLanguage));
    }

    public static async Task<Results<Ok<GuardianView>, ApiProblem>> GetAsync(
        [AsParameters] GuardianRoute route,
        HttpContext http,
        KitaLinkDbContext db,
        PinProtector pins,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var guardian = route.Guardian;
        ConditionalRequests.SetETag(http, guardian.Version);
        return TypedResults.Ok(await LoadViewAsync(db, pins, time, guardian, cancellationToken));
    }

    public static async Task<Results<Ok<GuardianView>, ApiProblem>> UpdateAsync(
        [AsParameters] GuardianRoute route,
        UpdateGuardianRequest request,
        HttpContext http,
        KitaLinkDbContext db,
        PinIssuance issuance,
        PinProtector pins,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var guardian = route.Guardian;

        // Under the guardian's lock, so a PIN pair created at the same moment cannot slip past the revocation.
        await using (var transaction = await issuance.LockGuardianAsync(guardian, cancellationToken))
        {
            // Checked on the version read under the lock, so no edit can slip in between check and write.
            if (!ConditionalRequests.IfMatchAllows(http.Request, guardian.Version))
            {
                return ApiProblem.Of(ErrorCodes.PreconditionFailed);
            }
            var oldEmail = guardian.Email;
            var changed = new List<string>();
            if (request.Name is not null && request.Name.Trim() != guardian.Name)
            {
                changed.Add("name");
            }
            if (request.Relationship is not null && request.Relationship.Trim() != guardian.Relationship)
            {
                changed.Add("relationship");
            }
            if (request.Email is not null && request.Email.Trim() != guardian.Email)
            {
                changed.Add("email");
            }
            var language = request.PreferredLanguage is null ? null : InputRules.TrimToNull(request.PreferredLanguage)?.ToLowerInvariant();
            if (request.PreferredLanguage is not null && language != guardian.PreferredLanguage)
            {
                changed.Add("preferredLanguage");
            }
            if (changed.Count == 0)
            {
                ConditionalRequests.SetETag(http, guardian.Version);
                return TypedResults.Ok(await LoadViewAsync(db, pins, time, guardian, cancellationToken));
            }

            var emailChanged = guardian.Update(request.Name?.Trim(), request.Relationship?.Trim(), request.Email, time.GetUtcNow());
            if (request.PreferredLanguage is not null)
            {
                guardian.SetPreferredLanguage(language, time.GetUtcNow());
            }
            audit.Record(AuditActions.GuardianUpdated, e => Describe(e, guardian),
                new Dictionary<string, string> { ["changed"] = string.Join(',', changed) });
            if (emailChanged)
            {
                audit.Record(AuditActions.GuardianEmailChanged, e => Describe(e, guardian), new Dictionary<string, string>
                {
                    ["oldEmail"] = oldEmail,
                    ["newEmail"] = guardian.Email,
                });
                // PIN 2 of a pending pair went to the old address; that pair must not link anyone.
                await issuance.RevokePendingAsync(guardian, PinRevocationReason.EmailChanged, cancellationToken);
            }
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException ex)
            {
                // Another staff member changed the guardian since it was read (its row version), or the pending
                // pair was redeemed or locked by a parent at this very moment.
                var guardianChanged = ex.Entries.Any(e => e.Entity is Guardian) && ConditionalRequests.HasIfMatch(http.Request);
                return ApiProblem.Of(guardianChanged ? ErrorCodes.PreconditionFailed : ErrorCodes.Conflict);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        ConditionalRequests.SetETag(http, guardian.Version);
        return TypedResults.Ok(await LoadViewAsync(db, pins, time, guardian, cancellationToken));
    }

    public static async Task<GuardianView> LoadViewAsync(
        KitaLinkDbContext db, PinProtector pins, TimeProvider time, Guardian guardian, CancellationToken cancellationToken)
    {
        var views = await GuardianViews.LoadAsync(db, pins, time.GetUtcNow(), guardian.FacilityId, guardian.ChildId, [guardian], cancellationToken);
        return views[0];
    }

    private static void Describe(AuditEvent e, Guardian guardian)
    {
        e.FacilityId = guardian.FacilityId;
        e.ChildId = guardian.ChildId;
        e.GuardianId = guardian.Id;
    }
}
