using System.Security.Claims;
using FluentValidation;
using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Links;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Accounts;

public sealed record DeleteAccountRequest(string Password);

public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

public sealed class DeleteAccountRequestValidator : AbstractValidator<DeleteAccountRequest>
{
    public DeleteAccountRequestValidator() => RuleFor(r => r.Password).PresentedPassword();
}

public sealed class ChangePasswordRequestValidator : AbstractValidator<ChangePasswordRequest>
{
    public ChangePasswordRequestValidator()
    {
        RuleFor(r => r.CurrentPassword).PresentedPassword();
        RuleFor(r => r.NewPassword).AcceptablePassword()
            .NotEqual(r => r.CurrentPassword, StringComparer.Ordinal)
            .WithMessage("The new password must differ from the current one.");
    }
}

/// <summary>The signed-in parent's own account.</summary>
public static class MeApi
{
    public static IEndpointRouteBuilder MapMe(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/me").WithTag("Parent account", "The signed-in parent's own account.").RequireAuthorization(Policies.Parent);

        group.MapGet("", GetAsync)
            .ChecksTokenVersionInHandler()
            .WithName("getMyAccount")
            .WithSummary("The signed-in parent's account")
            .WithDescription("Email, creation time and the number of linked children.");

        group.MapDelete("", DeleteAsync)
            .WithName("deleteMyAccount")
            .WithSummary("Delete the account")
            .WithDescription("Deletes the account and all its child links after confirming the password. The facility's " +
                "records of the children and guardians stay. Every token of the account stops working at once.")
            .WithValidation<DeleteAccountRequest>()
            .ProducesErrors(ErrorCodes.InvalidCredentials, ErrorCodes.ServiceUnavailable);

        group.MapPost("/password", ChangePasswordAsync)
            .WithName("changeMyPassword")
            .WithSummary("Change the password")
            .WithDescription("Sets a new password after confirming the current one. Every other session ends (all refresh " +
                "tokens revoked, all earlier access tokens invalid); the answer carries fresh tokens for this device, so " +
                "the app stays signed in here.")
            .WithValidation<ChangePasswordRequest>()
            .ProducesErrors(ErrorCodes.InvalidCredentials, ErrorCodes.ServiceUnavailable);

        return app;
    }

    public static async Task<Results<Ok<AccountResponse>, ApiProblem>> GetAsync(
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var accountId = user.UserId();
        var tokenVersion = user.TokenVersion();
        // Also checks the token version (ChecksTokenVersionInHandler): no row, no answer.
        var account = await db.ParentAccounts.AsNoTracking()
            .Where(a => a.Id == accountId && a.TokenVersion == tokenVersion)
            .Select(a => new AccountResponse(a.Id, a.Email, a.CreatedAt, a.Links.Count(l => l.Status == ChildLinkStatus.Active)))
            .SingleOrDefaultAsync(cancellationToken);
        return account is null ? TokenVersionCheckedByHandler.Rejected(http) : TypedResults.Ok(account);
    }

    public static async Task<Results<NoContent, ApiProblem>> DeleteAsync(
        [FromBody] DeleteAccountRequest request,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        ParentCredentials credentials,
        AuditTrail audit,
        CancellationToken cancellationToken)
    {
        var attempt = await credentials.CheckByIdAsync(user.UserId(), request.Password, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (account, refusal) = await credentials.ConfirmAsync(attempt, request.Password, PasswordCheckPurpose.DeleteAccount, cancellationToken);
        if (account is null)
        {
            return refusal!;
        }

        var links = await db.ChildLinks.AsNoTracking()
            .Where(l => l.AccountId == account.Id)
            .Select(l => new { l.ChildId, l.GuardianId, l.PinPairId, l.Child!.FacilityId, l.Status })
            .ToListAsync(cancellationToken);
        foreach (var link in links)
        {
            // Recorded in the child's facility trail, so staff see why the link disappeared.
            audit.Record(AuditActions.ChildUnlinked, e =>
            {
                e.AccountId = account.Id;
                e.FacilityId = link.FacilityId;
                e.ChildId = link.ChildId;
                e.GuardianId = link.GuardianId;
                e.PinPairId = link.PinPairId;
            }, new Dictionary<string, string> { ["reason"] = "account_deleted", ["linkStatus"] = link.Status == ChildLinkStatus.Active ? "active" : "archived" });
        }
        audit.Record(AuditActions.AccountDeleted, e => e.AccountId = account.Id,
            new Dictionary<string, string> { ["links"] = links.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        // Links, refresh tokens and reset tokens go with the account (ON DELETE CASCADE); the deleted row
        // also makes every access token fail the revocation check.
        db.ParentAccounts.Remove(account);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<TokenResponse>, ApiProblem>> ChangePasswordAsync(
        ChangePasswordRequest request,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        ParentCredentials credentials,
        PasswordHashing hashing,
        ParentSessions sessions,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        // Both hashes (the check and the new password's) happen before the transaction and the row lock.
        var attempt = await credentials.CheckByIdAsync(user.UserId(), request.CurrentPassword, cancellationToken);
        var newHash = attempt.LooksRight ? await hashing.HashAsync(request.NewPassword, cancellationToken) : null;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (account, refusal) = await credentials.ConfirmAsync(attempt, request.CurrentPassword, PasswordCheckPurpose.ChangePassword, cancellationToken);
        if (account is null)
        {
            return refusal!;
        }
        // Null only when the current password was changed to the presented one between the two steps.
        newHash ??= await hashing.HashAsync(request.NewPassword, cancellationToken);
        account.SetPasswordHash(newHash, time.GetUtcNow());
        await sessions.RevokeAllAsync(account.Id, cancellationToken);
        var tokens = sessions.Start(account);
        audit.Record(AuditActions.PasswordChanged, e => e.AccountId = account.Id);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(tokens);
    }
}
