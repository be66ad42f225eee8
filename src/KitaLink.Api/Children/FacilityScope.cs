using System.Security.Claims;
using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Children;

/// <summary>
/// Every staff lookup of a child or guardian goes through here: the facility comes from the caller's
/// token, so another facility's ids simply find nothing (404, never 403).
/// </summary>
public static class FacilityScope
{
    public static Task<Child?> FindChildAsync(this KitaLinkDbContext db, ClaimsPrincipal user, Guid childId, CancellationToken cancellationToken)
    {
        var facilityId = user.FacilityId();
        return db.Children.SingleOrDefaultAsync(c => c.Id == childId && c.FacilityId == facilityId, cancellationToken);
    }

    /// <summary>The guardian with its child, when both belong to the caller's facility and to each other.</summary>
    public static Task<Guardian?> FindGuardianAsync(
        this KitaLinkDbContext db, ClaimsPrincipal user, Guid childId, Guid guardianId, CancellationToken cancellationToken)
    {
        var facilityId = user.FacilityId();
        return db.Guardians
            .Include(g => g.Child!).ThenInclude(c => c.Facility)
            .SingleOrDefaultAsync(g => g.Id == guardianId && g.ChildId == childId && g.FacilityId == facilityId, cancellationToken);
    }

    /// <summary>
    /// Finds the guardian of the endpoint's <see cref="GuardianRoute"/> with <see cref="FindGuardianAsync"/> before
    /// the handler runs and answers 404 when there is none. Add it after validation and rate limits, which answer first.
    /// </summary>
    public static RouteHandlerBuilder FindsGuardianInScope(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(new GuardianInScopeFilter());

    private sealed class GuardianInScopeFilter : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var route = context.Arguments.OfType<GuardianRoute>().Single();
            var http = context.HttpContext;
            var db = http.RequestServices.GetRequiredService<KitaLinkDbContext>();
            var guardian = await db.FindGuardianAsync(http.User, route.ChildId, route.GuardianId, http.RequestAborted);
            if (guardian is null)
            {
                return ApiProblem.NotFound();
            }
            route.Guardian = guardian;
            return await next(context);
        }
    }
}

/// <summary>
/// <c>{childId}/{guardianId}</c> of a staff route (bind with <c>[AsParameters]</c>) and the guardian they name in the
/// caller's facility, found by <see cref="FacilityScope.FindsGuardianInScope"/> before the handler runs.
/// </summary>
public sealed record GuardianRoute(
    [property: FromRoute(Name = "childId")] Guid ChildId,
    [property: FromRoute(Name = "guardianId")] Guid GuardianId)
{
    private Guardian? _guardian;

    public Guardian Guardian
    {
        get => _guardian ?? throw new InvalidOperationException("The endpoint lacks FindsGuardianInScope().");
        internal set => _guardian = value;
    }
}
