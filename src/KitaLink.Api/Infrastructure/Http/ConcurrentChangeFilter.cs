using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// A row changed underneath the request after it was read (the row version no longer matches, e.g. a parent
/// redeemed or locked the PIN pair staff are changing at this very moment): the whole change is rolled back
/// and answered with <c>conflict</c>, so the client reloads and decides again. The endpoint documents
/// <see cref="ErrorCodes.Conflict"/> with <c>ProducesErrors</c>.
/// </summary>
internal sealed class ConcurrentChangeFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ApiProblem.Of(ErrorCodes.Conflict);
        }
    }
}

public static class ConcurrentChangeConventions
{
    /// <summary>Answers a concurrent change of a row the handler saves with <c>conflict</c> (see <see cref="ConcurrentChangeFilter"/>).</summary>
    public static RouteHandlerBuilder AnswersConflictOnConcurrentChange(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(new ConcurrentChangeFilter());
}
