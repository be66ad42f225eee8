using System.Security.Claims;
using FluentValidation;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Infrastructure.Telemetry;
using KitaLink.Api.Mfa;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Auth;

public sealed record RefreshRequest(string RefreshToken);

/// <param name="RefreshToken">Optional. Logout ends every session of the account, this one included.</param>
public sealed record LogoutRequest(string? RefreshToken);

public sealed record PasswordResetRequest(string Email);

/// <param name="Token">The code from the password reset email.</param>
public sealed record PasswordResetConfirmRequest(string Token, string NewPassword);

public sealed class RefreshRequestValidator : AbstractValidator<RefreshRequest>
{
    public RefreshRequestValidator() => RuleFor(r => r.RefreshToken).NotEmpty().MaximumLength(128);
}

public sealed class PasswordResetRequestValidator : AbstractValidator<PasswordResetRequest>
{
    public PasswordResetRequestValidator() => RuleFor(r => r.Email).EmailShaped();
}

public sealed class PasswordResetConfirmRequestValidator : AbstractValidator<PasswordResetConfirmRequest>
{
    public PasswordResetConfirmRequestValidator()
    {
        RuleFor(r => r.Token).NotEmpty().MaximumLength(128);
        RuleFor(r => r.NewPassword).AcceptablePassword();
    }
}

/// <summary>Parent sign-in, token refresh, logout and password reset.</summary>
public static class ParentAuthApi
{
    /// <summary>A reset code is valid this long (<see cref="PasswordResets.TokenLifetime"/>).</summary>
    public static readonly TimeSpan ResetTokenLifetime = PasswordResets.TokenLifetime;

    /// <summary>Reset emails per account and hour (<see cref="PasswordResets.MaxEmailsPerHour"/>).</summary>
    public const int MaxResetEmailsPerHour = PasswordResets.MaxEmailsPerHour;

    public static IEndpointRouteBuilder MapParentAuth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/auth").WithTag("Parent authentication", "Sign-in, rotating refresh tokens, sign-out everywhere and password reset.");

        group.MapPost("/token", IssueTokenAsync)
            .AllowAnonymous()
            .WithName("createParentToken")
            .WithSummary("Sign in as a parent")
            .WithDescription("Exchanges email and password for an access token and a refresh token. Wrong password, unknown " +
                "email and a temporarily locked account (too many failed attempts) all answer `invalid_credentials`. With two-step " +
                "sign-in set up, a right password answers `mfa_required` with a `challenge` for `POST /api/v1/auth/token/mfa`.")
            .WithRateLimits(
                RateLimitRules.PerAddress(RateLimitRules.Names.LoginPerAddress),
                RateLimitRules.PerRequest<CredentialsRequest>(RateLimitRules.Names.LoginPerAccount,
                    r => r.Email is null ? null : "parent:" + EmailAddress.Normalize(r.Email)))
            .WithValidation<CredentialsRequest>()
            .ProducesErrors(ErrorCodes.InvalidCredentials, ErrorCodes.MfaRequired, ErrorCodes.ServiceUnavailable);

        group.MapPost("/refresh", RefreshAsync)
            .AllowAnonymous()
            .WithName("refreshParentToken")
            .WithSummary("Renew the access token")
            .WithDescription("Consumes the refresh token and returns a new access token and a new refresh token. Each refresh " +
                "token works once: presenting a used one again is treated as theft. That session's refresh tokens are revoked " +
                "and every access token of the account stops working; other devices renew with their own refresh tokens.")
            .WithRateLimits(RateLimitRules.PerAddress(RateLimitRules.Names.RefreshPerAddress))
            .WithValidation<RefreshRequest>()
            .ProducesErrors(ErrorCodes.Unauthenticated);

        group.MapPost("/logout", LogoutAsync)
            .RequireAuthorization(Policies.Parent)
            .WithName("logoutParent")
            .WithSummary("Sign out everywhere")
            .WithDescription("Revokes all refresh tokens of the account and makes every access token issued so far invalid at once. " +
                "The body is optional.");

        group.MapPost("/password-reset", RequestPasswordResetAsync)
            .AllowAnonymous()
            .WithName("requestPasswordReset")
            .WithSummary("Request a password reset email")
            .WithDescription("Always answers 202, whether or not an account exists for the email. If one does, a single-use code " +
                "valid for one hour is emailed to it.")
            .WithRateLimits(
                RateLimitRules.PerAddress(RateLimitRules.Names.PasswordResetPerAddress),
                RateLimitRules.PerRequest<PasswordResetRequest>(RateLimitRules.Names.PasswordResetPerAccount,
                    r => r.Email is null ? null : EmailAddress.Normalize(r.Email)))
            .WithValidation<PasswordResetRequest>();

        group.MapPost("/password-reset/confirm", ConfirmPasswordResetAsync)
            .AllowAnonymous()
            .WithName("confirmPasswordReset")
            .WithSummary("Set a new password with the emailed code")
            .WithDescription("Sets the new password, lifts a login lockout and signs the account out everywhere. " +
                "The app then signs in with the new password.")
            .WithRateLimits(RateLimitRules.PerAddress(RateLimitRules.Names.PasswordResetPerAddress))
            .WithValidation<PasswordResetConfirmRequest>()
            .ProducesErrors(ErrorCodes.ResetTokenInvalid, ErrorCodes.ServiceUnavailable);

        return app;
    }

    public static async Task<Results<Ok<TokenResponse>, ApiProblem>> IssueTokenAsync(
        CredentialsRequest request,
        KitaLinkDbContext db,
        ParentCredentials credentials,
        ParentSessions sessions,
        SecondFactor mfa,
        AuditTrail audit,
        CancellationToken cancellationToken)
    {
        // The hashing happens first, holding no connection, transaction or row lock.
        var attempt = await credentials.CheckByEmailAsync(request.Email, request.Password, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await credentials.SettleLoginAsync(attempt, request.Email, request.Password, cancellationToken);
        if (account is null)
        {
            // The failure count and the audit event stay, whatever the answer.
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return ApiProblem.Of(ErrorCodes.InvalidCredentials);
        }
        if (account.HasSecondFactor)
        {
            // Only a right password gets this far: the sign-in continues at /auth/token/mfa with a code.
            var (challenge, expiresAt) = await mfa.IssueChallengeAsync(MfaOwner.Parent(account.Id), cancellationToken);
            audit.Record(AuditActions.MfaRequired, e => e.AccountId = account.Id, new Dictionary<string, string> { ["subject"] = "parent" });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return ApiProblem.MfaRequired(challenge, expiresAt);
        }
        await sessions.PruneExpiredAsync(account.Id, cancellationToken);
        var tokens = sessions.Start(account);
        audit.Record(AuditActions.LoginSucceeded, e => e.AccountId = account.Id,
            new Dictionary<string, string> { ["subject"] = "parent" });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(tokens);
    }

    public static async Task<Results<Ok<TokenResponse>, ApiProblem>> RefreshAsync(
        RefreshRequest request,
        KitaLinkDbContext db,
        ParentSessions sessions,
        AuditTrail audit,
        KitaLinkMetrics metrics,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var hash = SecretTokens.Hash(request.RefreshToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The busiest write of the service (every opening of the parent app): the rotation itself is two hand-written
        // round trips plus the commit (ParentSessions.FindForRotationAsync and RotateAsync), no change tracking and no
        // savepoints. The rare answers (unknown, replayed, expired or revoked token) go through EF Core as before.
        db.Database.AutoSavepointsEnabled = false;
        // Locked: two parallel refreshes with one token must not both get a successor.
        var presented = await sessions.FindForRotationAsync(hash, cancellationToken);
        if (presented is null)
        {
            audit.Record(AuditActions.RefreshFailed, data: new Dictionary<string, string> { ["reason"] = "unknown_token" });
            return await RefreshFailedAsync(db, transaction, cancellationToken);
        }
        var now = time.GetUtcNow();
        if (presented.IsReplayed)
        {
            // A used token came back: whoever holds the family may be an attacker. End the family, and the
            // access tokens it may have produced (they carry no family, so the account's version is bumped).
            await sessions.RevokeFamilyAsync(presented.FamilyId, cancellationToken);
            var owner = await db.ParentAccounts.SingleAsync(a => a.Id == presented.AccountId, cancellationToken);
            owner.RevokeTokens();
            audit.Record(AuditActions.RefreshReuseDetected, e => e.AccountId = owner.Id,
                new Dictionary<string, string> { ["familyId"] = presented.FamilyId.ToString() });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        if (!presented.IsActiveAt(now))
        {
            audit.Record(AuditActions.RefreshFailed, e => e.AccountId = presented.AccountId,
                new Dictionary<string, string> { ["reason"] = presented.RevokedAt is null ? "expired" : "revoked" });
            return await RefreshFailedAsync(db, transaction, cancellationToken);
        }
        var refreshed = audit.Describe(AuditActions.TokenRefreshed, e => e.AccountId = presented.AccountId,
            new Dictionary<string, string> { ["familyId"] = presented.FamilyId.ToString() });
        var response = await sessions.RotateAsync(presented, refreshed, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.AuditEvent(refreshed.Action);
        return TypedResults.Ok(response);
    }

    private static async Task<ApiProblem> RefreshFailedAsync(
        KitaLinkDbContext db, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ApiProblem.Of(ErrorCodes.Unauthenticated);
    }

    public static async Task<Results<NoContent, ApiProblem>> LogoutAsync(
        LogoutRequest? request,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        ParentSessions sessions,
        AuditTrail audit,
        CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await db.ParentAccounts.SingleOrDefaultAsync(a => a.Id == user.UserId(), cancellationToken);
        if (account is null)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        account.RevokeTokens();
        await sessions.RevokeAllAsync(account.Id, cancellationToken);
        audit.Record(AuditActions.LoggedOut, e => e.AccountId = account.Id);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Accepted> RequestPasswordResetAsync(
        PasswordResetRequest request, PasswordResets resets, CancellationToken cancellationToken)
    {
        await resets.RequestAsync(PasswordResetSubject.Parent, request.Email, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Results<NoContent, ApiProblem>> ConfirmPasswordResetAsync(
        PasswordResetConfirmRequest request,
        KitaLinkDbContext db,
        PasswordResets resets,
        ParentSessions sessions,
        CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await resets.RedeemAsync(PasswordResetSubject.Parent, request.Token, request.NewPassword, cancellationToken) is not ParentAccount account)
        {
            return ApiProblem.Of(ErrorCodes.ResetTokenInvalid);
        }
        await sessions.RevokeAllAsync(account.Id, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
