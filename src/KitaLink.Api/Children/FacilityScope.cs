using System.Security.Claims;
using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Security;
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
}
