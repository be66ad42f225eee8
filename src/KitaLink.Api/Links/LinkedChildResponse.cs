using System.Linq.Expressions;
using KitaLink.Api.Children;

namespace KitaLink.Api.Links;

public sealed record FacilitySummary(Guid Id, string Name);

/// <summary>A child as its parent sees it through one link.</summary>
/// <param name="Id">The child's id (the path segment of <c>GET /me/children/{childId}</c>).</param>
/// <param name="Status">Whether the child still attends the facility (<c>active</c>) or has <c>left</c>.</param>
/// <param name="LinkStatus"><c>active</c>, or <c>archived</c> once the child moved and a new record replaced this one (read-only history).</param>
/// <param name="ReplacedByChildId">For an archived link: the child record in the new facility.</param>
public sealed record LinkedChildResponse(
    Guid Id,
    string FirstName,
    string LastName,
    DateOnly DateOfBirth,
    string? Group,
    ChildStatus Status,
    FacilitySummary Facility,
    DateTimeOffset LinkedAt,
    ChildLinkStatus LinkStatus,
    DateTimeOffset? ArchivedAt,
    Guid? ReplacedByChildId)
{
    /// <summary>One SQL query for any number of links: joins child and facility, no lazy loading.</summary>
    public static readonly Expression<Func<ChildLink, LinkedChildResponse>> FromLink = link => new LinkedChildResponse(
        link.ChildId,
        link.Child!.FirstName,
        link.Child.LastName,
        link.Child.DateOfBirth,
        link.Child.Group,
        link.Child.Status,
        new FacilitySummary(link.Child.FacilityId, link.Child.Facility!.Name),
        link.LinkedAt,
        link.Status,
        link.ArchivedAt,
        link.ReplacedByChildId);
}
