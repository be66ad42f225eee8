using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

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
        var group = app.MapGroup("/api/v1/staff/auth").WithTag("Staff authentication", "Sign-in of facility staff (admins, educators) and operators.").AllowAnonymous();
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
        PasswordChecks checks,
        AccessTokenIssuer tokens,
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
        Record(audit, AuditActions.LoginSucceeded, staff!, reason: null);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var token = tokens.ForStaff(staff!);
        var now = time.GetUtcNow();
        return TypedResults.Ok(new StaffTokenResponse(
            token.Token,
            "Bearer",
            token.ExpiresAt,
            (int)(token.ExpiresAt - now).TotalSeconds,
            new StaffProfile(staff!.Id, staff.Email, staff.DisplayName, staff.Role, staff.FacilityId)));
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
