using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// Optimistic concurrency for records two staff members may edit at once (children, guardians): reads carry
/// the record's version as a strong <c>ETag</c>; a PATCH with <c>If-Match</c> applies only to that version and
/// otherwise answers 412 <c>precondition_failed</c> (RFC 9110 §13.1.1). Without <c>If-Match</c> the PATCH
/// applies as before. The ETag versions the record's own fields (what its PATCH changes), not the views
/// embedded in the answer (PIN state, delivery), which change on their own.
/// </summary>
public static class ConditionalRequests
{
    public static string ETagOf(uint version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    public static void SetETag(HttpContext http, uint version) =>
        http.Response.Headers.ETag = ETagOf(version);

    /// <summary>True without <c>If-Match</c>, for <c>*</c>, or when one listed strong tag names this version.</summary>
    public static bool IfMatchAllows(HttpRequest request, uint version)
    {
        var header = request.Headers.IfMatch;
        if (header.Count == 0)
        {
            return true;
        }
        if (!EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }
        var current = new EntityTagHeaderValue(ETagOf(version));
        // Strong comparison: a weak tag never matches If-Match.
        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(current, useStrongComparison: true));
    }

    public static bool HasIfMatch(HttpRequest request) => request.Headers.IfMatch.Count > 0;

    /// <summary>The answer carries an <c>ETag</c> (documented on its success responses).</summary>
    public static TBuilder WithETag<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ETagMetadata.Instance);

    /// <summary>The PATCH honours <c>If-Match</c> and can answer 412 <c>precondition_failed</c>.</summary>
    public static RouteHandlerBuilder HonoursIfMatch(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(ETagMetadata.Instance, IfMatchMetadata.Instance).ProducesErrors(ErrorCodes.PreconditionFailed);
}

public sealed class ETagMetadata
{
    public static readonly ETagMetadata Instance = new();
}

public sealed class IfMatchMetadata
{
    public static readonly IfMatchMetadata Instance = new();
}
