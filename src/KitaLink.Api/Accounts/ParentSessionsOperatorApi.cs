using FluentValidation;
using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Accounts;

/// <summary>The parent account whose sessions the operator ends, by the email the parent signs in with.</summary>
public sealed record EndParentSessionsRequest(string Email);

public sealed class EndParentSessionsRequestValidator : AbstractValidator<EndParentSessionsRequest>
{
    public EndParentSessionsRequestValidator() => RuleFor(r => r.Email).EmailShaped();
}

/// <summary>The operator ends a parent's sessions, e.g. after a lost phone (ASVS 7.4.5).</summary>
public static class ParentSessionsOperatorApi
{
    public static IEndpointRouteBuilder MapParentSessionsForOperator(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/parent-accounts")
            .WithTags("Operator")
            .RequireAuthorization(Policies.Operator)
            .MapPost("/sessions/end", EndAsync)
            .WithName("endParentSessions")
            .WithSummary("End every session of a parent account")
            .WithDescription("For a parent who lost their phone: revokes every refresh token of the account with this email and makes " +
                "every access token issued so far invalid at once. The parent signs in again with email and password; links and data " +
                "stay. Audited in the account's trail. Operators only; an unknown email is `not_found`.")
            .WithValidation<EndParentSessionsRequest>()
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.ServiceUnavailable);
        return app;
    }

    public static async Task<Results<NoContent, ApiProblem>> EndAsync(
        EndParentSessionsRequest request,
        KitaLinkDbContext db,
        ParentSessions sessions,
        AuditTrail audit,
        CancellationToken cancellationToken)
    {
        var normalized = EmailAddress.Normalize(request.Email);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await db.ParentAccounts.SingleOrDefaultAsync(a => a.NormalizedEmail == normalized, cancellationToken);
        if (account is null)
        {
            return ApiProblem.Of(ErrorCodes.NotFound);
        }
        account.RevokeTokens();
        var revoked = await sessions.RevokeAllAsync(account.Id, cancellationToken);
        audit.Record(AuditActions.AccountSessionsEnded, e => e.AccountId = account.Id, new Dictionary<string, string>
        {
            ["by"] = "operator",
            ["refreshTokensRevoked"] = revoked.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
