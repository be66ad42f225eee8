using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
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
        var group = app.MapGroup("/api/v1/staff/auth").WithTags("Staff authentication").AllowAnonymous();
        group.MapPost("/token", IssueTokenAsync)
            .WithName("createStaffToken")
            .WithSummary("Sign in as staff or operator")
            .WithDescription("Exchanges email and password of a staff member (admin, educator) or operator for a bearer access token.")
            .WithRateLimits(
                RateLimitRules.PerAddress(RateLimitRules.Names.LoginPerAddress),
                RateLimitRules.PerRequest<CredentialsRequest>(RateLimitRules.Names.LoginPerAccount,
                    r => r.Email is null ? null : "staff:" + EmailAddress.Normalize(r.Email)))
            .WithValidation<CredentialsRequest>()
            .ProducesErrors(ErrorCodes.InvalidCredentials, ErrorCodes.ServiceUnavailable);
        return app;
    }

    public static async Task<Results<Ok<StaffTokenResponse>, ApiProblem>> IssueTokenAsync(
        CredentialsRequest request,
        KitaLinkDbContext db,
        PasswordHashing hashing,
        AccessTokenIssuer tokens,
        AuditTrail audit,
        TimeProvider time,
        IOptions<PasswordOptions> passwordOptions,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var normalized = EmailAddress.Normalize(request.Email);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Row lock: parallel wrong guesses queue here, so every one of them counts towards the lockout.
        var staff = await db.StaffMembers
            .FromSql($"SELECT * FROM staff_members WHERE normalized_email = {normalized} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);

        // Unknown account, wrong password and locked account look the same, cost the same hashing work
        // and each write one audit event.
        if (staff is null)
        {
            await hashing.VerifyAgainstDummyAsync(request.Password, cancellationToken);
            audit.Record(AuditActions.LoginFailed, e => e.ActorName = EmailAddress.Mask(request.Email),
                new Dictionary<string, string> { ["subject"] = "staff", ["reason"] = "unknown_account" });
            return await FailAsync(db, transaction, cancellationToken);
        }
        if (staff.IsLockedOut(now))
        {
            await hashing.VerifyAgainstDummyAsync(request.Password, cancellationToken);
            Record(audit, AuditActions.LoginFailed, staff, "locked_out");
            return await FailAsync(db, transaction, cancellationToken);
        }

        var check = await hashing.VerifyAsync(staff.PasswordHash, request.Password, cancellationToken);
        if (check == PasswordCheck.Failed)
        {
            var options = passwordOptions.Value;
            staff.RecordFailedLogin(now, options.MaxFailedLogins, TimeSpan.FromMinutes(options.LockoutMinutes));
            Record(audit, staff.IsLockedOut(now) ? AuditActions.LoginLockedOut : AuditActions.LoginFailed, staff, "wrong_password");
            return await FailAsync(db, transaction, cancellationToken);
        }
        if (check == PasswordCheck.SucceededRehashNeeded)
        {
            staff.UpgradePasswordHash(await hashing.HashAsync(request.Password, cancellationToken));
        }
        staff.RecordSuccessfulLogin();
        Record(audit, AuditActions.LoginSucceeded, staff, reason: null);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var token = tokens.ForStaff(staff);
        return TypedResults.Ok(new StaffTokenResponse(
            token.Token,
            "Bearer",
            token.ExpiresAt,
            (int)(token.ExpiresAt - now).TotalSeconds,
            new StaffProfile(staff.Id, staff.Email, staff.DisplayName, staff.Role, staff.FacilityId)));
    }

    private static async Task<ApiProblem> FailAsync(
        KitaLinkDbContext db, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ApiProblem.Of(ErrorCodes.InvalidCredentials);
    }

    /// <summary>Staff sign-ins are audited in the staff member's facility (none for operators), named by the staff id.</summary>
    private static void Record(AuditTrail audit, string action, StaffMember staff, string? reason)
    {
        var data = new Dictionary<string, string> { ["subject"] = "staff", ["staffId"] = staff.Id.ToString() };
        if (reason is not null)
        {
            data["reason"] = reason;
        }
        audit.Record(action, e =>
        {
            e.FacilityId = staff.FacilityId;
            e.ActorName = staff.Email;
        }, data);
    }
}
