using System.Security.Claims;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Mfa;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Staff;

public sealed record StaffTokenResponse(
    string AccessToken,
    string TokenType,
    DateTimeOffset ExpiresAt,
    int ExpiresIn,
    StaffProfile Staff);

public sealed record StaffProfile(Guid Id, string Email, string DisplayName, StaffRole Role, Guid? FacilityId);

public static class StaffAuthApi
{
    public static IEndpointRouteBuilder MapStaffAuth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/staff/auth")
            .WithTag("Staff authentication", "Sign-in, sign-out everywhere, password change and reset of facility staff (admins, educators) and operators.");
        group.MapPost("/token", IssueTokenAsync)
            .AllowAnonymous()
            .WithName("createStaffToken")
            .WithSummary("Sign in as staff or operator")
            .WithDescription("Exchanges email and password of a staff member (admin, educator) or operator for a bearer access token. " +
                "Unknown email, wrong password, locked and deactivated account all answer `invalid_credentials`. With two-step sign-in " +
                "set up, a right password answers `mfa_required` with a `challenge` for `POST /api/v1/staff/auth/token/mfa`. An " +
                "account that must use it (its facility requires it; operators) but has not set it up answers " +
                "`mfa_enrolment_required` with an `enrolmentToken` for `POST /api/v1/staff/me/mfa/totp`.")
            .WithRateLimits(
                RateLimitRules.PerAddress(RateLimitRules.Names.LoginPerAddress),
                RateLimitRules.PerRequest<CredentialsRequest>(RateLimitRules.Names.LoginPerAccount,
                    r => r.Email is null ? null : "staff:" + EmailAddress.Normalize(r.Email)))
            .WithValidation<CredentialsRequest>()
            .ProducesErrors(ErrorCodes.InvalidCredentials, ErrorCodes.MfaRequired, ErrorCodes.MfaEnrolmentRequired, ErrorCodes.ServiceUnavailable);

        group.MapPost("/logout", LogoutAsync)
            .RequireAuthorization(Policies.StaffAccount)
            .WithName("logoutStaff")
            .WithSummary("Sign out everywhere (staff)")
            .WithDescription("Makes every access token of the caller's staff or operator account issued so far invalid at once, on every device.")
            .ProducesErrors(ErrorCodes.ServiceUnavailable);

        group.MapPost("/password-reset", RequestPasswordResetAsync)
            .AllowAnonymous()
            .WithName("requestStaffPasswordReset")
            .WithSummary("Request a password reset email (staff)")
            .WithDescription("The same rules as the parents' reset: always answers 202, whether or not a staff account exists for the " +
                "email (or it is deactivated). If an active one does, a single-use code valid for one hour is emailed to it.")
            .WithRateLimits(
                RateLimitRules.PerAddress(RateLimitRules.Names.PasswordResetPerAddress),
                RateLimitRules.PerRequest<PasswordResetRequest>(RateLimitRules.Names.PasswordResetPerAccount,
                    r => r.Email is null ? null : "staff:" + EmailAddress.Normalize(r.Email)))
            .WithValidation<PasswordResetRequest>();

        group.MapPost("/password-reset/confirm", ConfirmPasswordResetAsync)
            .AllowAnonymous()
            .WithName("confirmStaffPasswordReset")
            .WithSummary("Set a new password with the emailed code (staff)")
            .WithDescription("Sets the new password, lifts a login lockout and makes every earlier access token of the account invalid. " +
                "Then sign in with the new password.")
            .WithRateLimits(RateLimitRules.PerAddress(RateLimitRules.Names.PasswordResetPerAddress))
            .WithValidation<PasswordResetConfirmRequest>()
            .ProducesErrors(ErrorCodes.ResetTokenInvalid, ErrorCodes.ServiceUnavailable);

        app.MapGroup("/api/v1/staff/me")
            .WithTags("Staff authentication")
            .RequireAuthorization(Policies.StaffAccount)
            .MapPost("/password", ChangePasswordAsync)
            .WithName("changeStaffPassword")
            .WithSummary("Change the password (staff)")
            .WithDescription("Sets a new password after confirming the current one. Every earlier access token of the account stops " +
                "working; the answer carries a fresh one for this device. A wrong current password counts towards the login lockout.")
            .WithValidation<ChangePasswordRequest>()
            .ProducesErrors(ErrorCodes.InvalidCredentials, ErrorCodes.ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<StaffTokenResponse>, ApiProblem>> IssueTokenAsync(
        CredentialsRequest request,
        KitaLinkDbContext db,
        PasswordChecks checks,
        AccessTokenIssuer tokens,
        SecondFactor mfa,
        IOptions<MfaOptions> mfaOptions,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var normalized = EmailAddress.Normalize(request.Email);
        // The hashing happens first, holding no connection, transaction or row lock (see PasswordChecks).
        var stored = await db.StaffMembers.AsNoTracking()
            .Where(s => s.NormalizedEmail == normalized)
            .Select(s => new StoredPassword(s.Id, s.PasswordHash, s.LockedUntil))
            .SingleOrDefaultAsync(cancellationToken);
        var attempt = await checks.CheckAsync(stored, request.Password, cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Row lock: parallel wrong guesses are settled one after the other, so every one counts towards the lockout.
        var staff = stored is null
            ? null
            : await db.StaffMembers
                .FromSql($"SELECT * FROM staff_members WHERE id = {stored.Id} FOR UPDATE")
                .SingleOrDefaultAsync(cancellationToken);
        var outcome = await checks.SettleAsync(staff, attempt, request.Password, cancellationToken);

        // Unknown account, wrong password and locked account look the same, cost the same hashing work
        // and each write one audit event.
        switch (outcome)
        {
            case PasswordOutcome.Verified:
                break;
            case PasswordOutcome.UnknownAccount:
                audit.Record(AuditActions.LoginFailed, e => e.ActorName = EmailAddress.Mask(request.Email),
                    new Dictionary<string, string> { ["subject"] = "staff", ["reason"] = "unknown_account" });
                return await FailAsync(db, transaction, cancellationToken);
            case PasswordOutcome.LockedOut:
                Record(audit, AuditActions.LoginFailed, staff!, "locked_out");
                return await FailAsync(db, transaction, cancellationToken);
            default:
                Record(audit, outcome == PasswordOutcome.WrongPasswordLockedNow ? AuditActions.LoginLockedOut : AuditActions.LoginFailed,
                    staff!, "wrong_password");
                return await FailAsync(db, transaction, cancellationToken);
        }
        if (!staff!.IsActive)
        {
            // A deactivated account answers like a wrong password, after the same work.
            Record(audit, AuditActions.LoginFailed, staff, "deactivated");
            return await FailAsync(db, transaction, cancellationToken);
        }
        if (staff.HasSecondFactor)
        {
            // Only a right password gets this far: the sign-in continues at /staff/auth/token/mfa with a code.
            var (challenge, expiresAt) = await mfa.IssueChallengeAsync(MfaOwner.Staff(staff.Id), cancellationToken);
            Record(audit, AuditActions.MfaRequired, staff, reason: null);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return ApiProblem.MfaRequired(challenge, expiresAt);
        }
        if (await MfaApi.RequiresSecondFactorAsync(db, staff, mfaOptions.Value, cancellationToken))
        {
            // No full session without the factor: a token that reaches only the setup endpoints.
            var enrolment = tokens.ForStaffMfaEnrolment(staff);
            Record(audit, AuditActions.MfaEnrolmentRequired, staff, reason: null);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return ApiProblem.MfaEnrolmentRequired(enrolment.Token, enrolment.ExpiresAt);
        }
        Record(audit, AuditActions.LoginSucceeded, staff!, reason: null);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        return TypedResults.Ok(TokenFor(staff, tokens, time));
    }

    internal static StaffTokenResponse TokenFor(StaffMember staff, AccessTokenIssuer tokens, TimeProvider time)
    {
        var token = tokens.ForStaff(staff);
        var now = time.GetUtcNow();
        return new StaffTokenResponse(
            token.Token,
            "Bearer",
            token.ExpiresAt,
            (int)(token.ExpiresAt - now).TotalSeconds,
            new StaffProfile(staff.Id, staff.Email, staff.DisplayName, staff.Role, staff.FacilityId));
    }

    public static async Task<Results<NoContent, ApiProblem>> LogoutAsync(
        ClaimsPrincipal user, KitaLinkDbContext db, AuditTrail audit, CancellationToken cancellationToken)
    {
        var staff = await db.StaffMembers.SingleOrDefaultAsync(s => s.Id == user.UserId(), cancellationToken);
        if (staff is null)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        staff.RevokeTokens();
        Record(audit, AuditActions.LoggedOut, staff, reason: null);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Accepted> RequestPasswordResetAsync(
        PasswordResetRequest request, PasswordResets resets, CancellationToken cancellationToken)
    {
        await resets.RequestAsync(PasswordResetSubject.Staff, request.Email, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Results<NoContent, ApiProblem>> ConfirmPasswordResetAsync(
        PasswordResetConfirmRequest request, KitaLinkDbContext db, PasswordResets resets, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The new password's hash bumps the token version: every earlier access token of the account stops.
        if (await resets.RedeemAsync(PasswordResetSubject.Staff, request.Token, request.NewPassword, cancellationToken) is null)
        {
            return ApiProblem.Of(ErrorCodes.ResetTokenInvalid);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<StaffTokenResponse>, ApiProblem>> ChangePasswordAsync(
        ChangePasswordRequest request,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        PasswordChecks checks,
        PasswordHashing hashing,
        AccessTokenIssuer tokens,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var staffId = user.UserId();
        // Both hashes (the check and the new password's) happen before the transaction and the row lock.
        var stored = await db.StaffMembers.AsNoTracking()
            .Where(s => s.Id == staffId)
            .Select(s => new StoredPassword(s.Id, s.PasswordHash, s.LockedUntil))
            .SingleOrDefaultAsync(cancellationToken);
        var attempt = await checks.CheckAsync(stored, request.CurrentPassword, cancellationToken);
        var newHash = attempt.LooksRight ? await hashing.HashAsync(request.NewPassword, cancellationToken) : null;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var staff = await db.StaffMembers
            .FromSql($"SELECT * FROM staff_members WHERE id = {staffId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        var outcome = await checks.SettleAsync(staff, attempt, request.CurrentPassword, cancellationToken);
        if (staff is null || !staff.IsActive)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        if (outcome != PasswordOutcome.Verified)
        {
            // A stolen token cannot be used to guess the password: the failure counts towards the lockout.
            Record(audit, outcome == PasswordOutcome.WrongPasswordLockedNow ? AuditActions.LoginLockedOut : AuditActions.LoginFailed,
                staff, outcome == PasswordOutcome.LockedOut ? "locked_out" : "wrong_password", purpose: "change_password");
            return await FailAsync(db, transaction, cancellationToken);
        }
        // Null only when the current password was changed to the presented one between the two steps.
        newHash ??= await hashing.HashAsync(request.NewPassword, cancellationToken);
        staff.SetPasswordHash(newHash, time.GetUtcNow());
        Record(audit, AuditActions.PasswordChanged, staff, reason: null);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(TokenFor(staff, tokens, time));
    }

    private static async Task<ApiProblem> FailAsync(
        KitaLinkDbContext db, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ApiProblem.Of(ErrorCodes.InvalidCredentials);
    }

    /// <summary>Staff sign-ins are audited in the staff member's facility (none for operators), named by the staff id.</summary>
    internal static void Record(AuditTrail audit, string action, StaffMember staff, string? reason, string? purpose = null)
    {
        var data = new Dictionary<string, string> { ["subject"] = "staff", ["staffId"] = staff.Id.ToString() };
        if (reason is not null)
        {
            data["reason"] = reason;
        }
        if (purpose is not null)
        {
            data["purpose"] = purpose;
        }
        audit.Record(action, e =>
        {
            e.FacilityId = staff.FacilityId;
            e.ActorName = staff.Email;
        }, data);
    }
}
