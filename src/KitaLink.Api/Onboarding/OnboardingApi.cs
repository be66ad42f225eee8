using System.Security.Claims;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace KitaLink.Api.Onboarding;

/// <summary>The facility's onboarding overview: where each family stands in the PIN process and what staff still have to do.</summary>
public static class OnboardingApi
{
    public static IEndpointRouteBuilder MapOnboarding(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/facility/onboarding", GetAsync)
            .WithTags("Children")
            .RequireAuthorization(Policies.Staff)
            .WithName("getOnboardingOverview")
            .WithSummary("Onboarding overview and to-do list")
            .WithDescription(
                "Counts the guardians of the facility's active children per state (`no_pins`, `pending`, `mail_queued`, `mail_failed`, " +
                "`address_suspect`, `wrong_email_tried`, `locked`, `expired`, `linked`; one state per guardian, in this precedence: linked, " +
                "locked, expired, mail_failed, wrong_email_tried, address_suspect, no_pins, mail_queued, pending) and lists the guardians " +
                "that need an action (`no_pins`, `mail_failed`, `address_suspect`, `wrong_email_tried`, `locked`, `expired`), each with " +
                "the action as a word and in words (`actionText`, English or German by `Accept-Language`). Filters: `group` (exact), " +
                "`state` (lists the guardians in that state instead; the counts stay those of all states). Paging: `limit` (1-200, " +
                "default 50) and `cursor` (the `nextCursor` of the previous page; null on the last page). Answered with one SQL statement.")
            .WithValidation<OnboardingQuery>();
        return app;
    }

    public static async Task<Ok<OnboardingOverview>> GetAsync(
        [AsParameters] OnboardingQuery query,
        HttpRequest request,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        OnboardingCursor? after = null;
        if (query.Cursor is { } cursor)
        {
            // The validator has accepted it, so it decodes.
            OnboardingCursor.TryDecode(cursor, out after);
        }
        var overview = await OnboardingReader.ReadAsync(
            db,
            user.FacilityId(),
            time.GetUtcNow(),
            InputRules.TrimToNull(query.Group),
            query.StateFilter,
            query.Limit ?? OnboardingQuery.DefaultLimit,
            after,
            ErrorCatalog.PrefersGerman(request),
            cancellationToken);
        return TypedResults.Ok(overview);
    }
}
