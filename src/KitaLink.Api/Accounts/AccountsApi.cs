using System.Text.Json.Serialization;
using FluentValidation;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Links;
using KitaLink.Api.Pins;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Accounts;

/// <param name="Email">Exactly the address the facility entered (letter case and surrounding spaces do not matter).</param>
/// <param name="Pin1">From the letter, e.g. <c>7KQ4-M9XD</c>; case, spaces and dashes do not matter.</param>
/// <param name="Pin2">From the email the facility's system sent.</param>
/// <remarks>Growable: unknown members are ignored (docs/integrators.md, "Compatibility").</remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record RegisterRequest(string Email, string Password, string Pin1, string Pin2);

/// <param name="ChildrenCount">Children linked to the account (active links; archived history not counted).</param>
public sealed record AccountResponse(Guid Id, string Email, DateTimeOffset CreatedAt, int ChildrenCount);

public sealed record RegistrationResponse(AccountResponse Account, LinkedChildResponse Child, TokenResponse Tokens);

public sealed class RegisterRequestValidator : AbstractValidator<RegisterRequest>
{
    public RegisterRequestValidator()
    {
        RuleFor(r => r.Email).PlausibleEmail();
        RuleFor(r => r.Password).AcceptablePassword();
        // Shape only: a PIN in the wrong format is answered like a wrong one (pins_invalid).
        RuleFor(r => r.Pin1).NotEmpty().MaximumLength(64);
        RuleFor(r => r.Pin2).NotEmpty().MaximumLength(64);
    }
}

/// <summary>Registration: the first child, no account yet.</summary>
public static class AccountsApi
{
    public static IEndpointRouteBuilder MapParentAccounts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/accounts").WithTag("Parent registration", "The first child: account, password and link created in one step with PIN 1 and PIN 2.").AllowAnonymous();
        group.MapPost("", RegisterAsync)
            .WithName("registerParent")
            .WithSummary("Register with PIN 1 and PIN 2")
            .WithDescription("Creates the parent account, sets its password and links the child of the PIN pair in one step, " +
                "and signs the parent in. The email must be the one the facility entered; with correct PINs and another " +
                "address the answer is `email_mismatch` with a masked hint of the address on file. Each failed attempt " +
                "(wrong PIN 2 or email) counts; the fifth locks the pair. If an account exists for the email, sign in and " +
                "use `POST /api/v1/me/children` instead (`account_exists`).")
            .WithRateLimits(
                RateLimitRules.PerAddress(RateLimitRules.Names.RegistrationPerAddress),
                RateLimitRules.PerRequest<RegisterRequest>(RateLimitRules.Names.RedemptionPerAccount,
                    r => r.Email is null ? null : "email:" + EmailAddress.Normalize(r.Email)))
            .WithValidation<RegisterRequest>()
            .ProducesErrors(
                ErrorCodes.PinsInvalid,
                ErrorCodes.EmailMismatch,
                ErrorCodes.PinsAlreadyUsed,
                ErrorCodes.PinsExpired,
                ErrorCodes.PinsLocked,
                ErrorCodes.AccountExists,
                ErrorCodes.ServiceUnavailable)
            .WithIdempotency();
        return app;
    }

    public static async Task<Results<Created<RegistrationResponse>, ApiProblem>> RegisterAsync(
        RegisterRequest request,
        PinRedemption redemption,
        ParentSessions sessions,
        KitaLinkDbContext db,
        CancellationToken cancellationToken)
    {
        var outcome = await redemption.RegisterAsync(request.Email, request.Password, request.Pin1, request.Pin2, cancellationToken);
        if (!outcome.Succeeded)
        {
            return outcome.Problem;
        }
        var account = outcome.Account;
        // The account and link are committed; a failure from here on leaves a working account to sign in to.
        var tokens = sessions.Start(account);
        await db.SaveChangesAsync(cancellationToken);
        var child = await db.ChildLinks.AsNoTracking()
            .Where(l => l.Id == outcome.Link.Id)
            .Select(LinkedChildResponse.FromLink)
            .SingleAsync(cancellationToken);
        return TypedResults.Created("/api/v1/me", new RegistrationResponse(
            new AccountResponse(account.Id, account.Email, account.CreatedAt, ChildrenCount: 1),
            child,
            tokens));
    }
}
