using System.Security.Claims;
using System.Text.Json.Serialization;
using FluentValidation;
using KitaLink.Api.Accounts;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Pins;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Links;

/// <param name="ReplacesChildId">
/// Set when the child changed facility: the id of the child's old record (linked to this account). The old
/// facility must have marked the child as <c>left</c>; the old link is then archived as read-only history.
/// </param>
/// <remarks>Growable: unknown members are ignored (docs/integrators.md, "Compatibility").</remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record LinkChildRequest(string Pin1, string Pin2, Guid? ReplacesChildId);

public sealed class LinkChildRequestValidator : AbstractValidator<LinkChildRequest>
{
    public LinkChildRequestValidator()
    {
        // Shape only: a PIN in the wrong format is answered like a wrong one (pins_invalid).
        RuleFor(r => r.Pin1).NotEmpty().MaximumLength(64);
        RuleFor(r => r.Pin2).NotEmpty().MaximumLength(64);
        RuleFor(r => r.ReplacesChildId).NotEqual(Guid.Empty);
    }
}

/// <summary>The parent's children list: archived links only on request; paged (see <see cref="Paging"/>).</summary>
public sealed record MyChildrenQuery(
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "includeArchived")] bool? IncludeArchived,
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] int? Limit,
    [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "cursor")] string? Cursor)
{
    public const string List = "my-children";
}

public sealed class MyChildrenQueryValidator : AbstractValidator<MyChildrenQuery>
{
    public MyChildrenQueryValidator()
    {
        RuleFor(q => q.Limit).PageLimit();
        RuleFor(q => q.Cursor).PageCursor<MyChildrenQuery, LinkCursor>(MyChildrenQuery.List);
    }
}

/// <summary>One page of linked children; <c>nextCursor</c> is null on the last page.</summary>
public sealed record LinkedChildListResponse(IReadOnlyList<LinkedChildResponse> Items, string? NextCursor);

/// <summary>The children linked to the signed-in parent. Every query is scoped to the account in the token.</summary>
public static class MyChildrenApi
{
    public static IEndpointRouteBuilder MapMyChildren(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/me/children").WithTag("Parent children", "Children linked to the signed-in parent, and linking another child with its PIN pair.").RequireAuthorization(Policies.Parent);

        group.MapGet("", ListAsync)
            .ChecksTokenVersionInHandler()
            .WithName("listMyChildren")
            .WithSummary("Children linked to the account")
            .WithDescription("Active links; with `includeArchived=true` also the archived links to old records of children " +
                "who changed facility. Active links first, each group in the order they were linked. Paged (`limit`, `cursor`, " +
                "see the API introduction).")
            .WithValidation<MyChildrenQuery>();

        group.MapGet("/{childId:guid}", GetAsync)
            .ChecksTokenVersionInHandler()
            .WithName("getMyChild")
            .WithSummary("One linked child")
            .WithDescription("Also answers for archived links (read-only history). A child not linked to this account is `not_found`.")
            .ProducesErrors(ErrorCodes.NotFound);

        group.MapPost("", LinkAsync)
            .WithName("linkMyChild")
            .WithSummary("Link another child with PIN 1 and PIN 2")
            .WithDescription("Links a sibling or a child at another facility. The account's email must be the guardian email " +
                "the facility entered for the PIN pair (`email_mismatch` otherwise, with a masked hint). When a child " +
                "changed facility, pass the old record's id as `replacesChildId`: once the old facility has marked the " +
                "child as left, the new record is linked and the old link archived; while the child is still active " +
                "there the answer is `previous_child_still_active` (link without `replacesChildId` to keep both).")
            .WithRateLimits(
                RateLimitRules.PerAddress(RateLimitRules.Names.RedemptionPerAddress),
                RateLimitRules.PerUser(RateLimitRules.Names.RedemptionPerAccount))
            .WithValidation<LinkChildRequest>()
            .ProducesErrors(
                ErrorCodes.PinsInvalid,
                ErrorCodes.EmailMismatch,
                ErrorCodes.PinsAlreadyUsed,
                ErrorCodes.PinsExpired,
                ErrorCodes.PinsLocked,
                ErrorCodes.ChildAlreadyLinked,
                ErrorCodes.PreviousChildStillActive,
                ErrorCodes.NotFound)
            .WithIdempotency();

        return app;
    }

    // One round trip that also checks the token version (no row: the account is gone or the token was
    // revoked), projected straight to the response.
    private static readonly Func<KitaLinkDbContext, Guid, int, Guid, CancellationToken, Task<List<LinkedChildResponse>?>> s_getChild =
        EF.CompileAsyncQuery((KitaLinkDbContext db, Guid accountId, int tokenVersion, Guid childId, CancellationToken _) =>
            db.ParentAccounts.AsNoTracking()
                .Where(a => a.Id == accountId && a.TokenVersion == tokenVersion)
                .Select(a => a.Links
                    .Where(l => l.ChildId == childId)
                    .AsQueryable()
                    .Select(LinkedChildResponse.FromLink)
                    .ToList())
                .SingleOrDefault());

    public static async Task<Results<Ok<LinkedChildListResponse>, ApiProblem>> ListAsync(
        [AsParameters] MyChildrenQuery query,
        ClaimsPrincipal user,
        LinkedChildrenReader reader,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        // The parent app's most frequent call: one hand-written statement (see LinkedChildrenReader).
        Paging.TryDecode<LinkCursor>(MyChildrenQuery.List, query.Cursor, out var after);
        var page = await reader.ListAsync(user.UserId(), user.TokenVersion(), query.IncludeArchived ?? false, after,
            Paging.LimitOrDefault(query.Limit), cancellationToken);
        if (page is null)
        {
            return TokenVersionCheckedByHandler.Rejected(http);
        }
        var next = page.Next is null ? null : Paging.Encode(MyChildrenQuery.List, page.Next);
        return TypedResults.Ok(new LinkedChildListResponse(page.Items, next));
    }

    public static async Task<Results<Ok<LinkedChildResponse>, ApiProblem>> GetAsync(
        Guid childId,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var children = await s_getChild(db, user.UserId(), user.TokenVersion(), childId, cancellationToken);
        if (children is null)
        {
            return TokenVersionCheckedByHandler.Rejected(http);
        }
        // Another family's child is indistinguishable from one that does not exist.
        return children is [var child] ? TypedResults.Ok(child) : ApiProblem.NotFound();
    }

    public static async Task<Results<Created<LinkedChildResponse>, ApiProblem>> LinkAsync(
        LinkChildRequest request,
        ClaimsPrincipal user,
        PinRedemption redemption,
        KitaLinkDbContext db,
        CancellationToken cancellationToken)
    {
        var outcome = await redemption.LinkAsync(user.UserId(), request.Pin1, request.Pin2, request.ReplacesChildId, cancellationToken);
        if (!outcome.Succeeded)
        {
            return outcome.Problem;
        }
        var child = await db.ChildLinks.AsNoTracking()
            .Where(l => l.Id == outcome.Link.Id)
            .Select(LinkedChildResponse.FromLink)
            .SingleAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/me/children/{child.Id}", child);
    }
}
