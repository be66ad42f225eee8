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
        var staff = await db.StaffMembers.SingleOrDefaultAsync(s => s.NormalizedEmail == normalized, cancellationToken);

        // Unknown account, wrong password and locked account look the same and cost the same.
        if (staff is null)
        {
            await hashing.VerifyAgainstDummyAsync(request.Password, cancellationToken);
            return ApiProblem.Of(ErrorCodes.InvalidCredentials);
        }
        if (staff.IsLockedOut(now))
        {
            await hashing.VerifyAgainstDummyAsync(request.Password, cancellationToken);
            audit.Record(AuditActions.LoginFailed, e => { e.FacilityId = staff.FacilityId; e.ActorName = staff.Email; },
                new Dictionary<string, string> { ["reason"] = "locked_out", ["subject"] = "staff" });
            await db.SaveChangesAsync(cancellationToken);
            return ApiProblem.Of(ErrorCodes.InvalidCredentials);
        }

        var check = await hashing.VerifyAsync(staff.PasswordHash, request.Password, cancellationToken);
        if (check == PasswordCheck.Failed)
        {
            var options = passwordOptions.Value;
            staff.RecordFailedLogin(now, options.MaxFailedLogins, TimeSpan.FromMinutes(options.LockoutMinutes));
            audit.Record(staff.IsLockedOut(now) ? AuditActions.LoginLockedOut : AuditActions.LoginFailed,
                e => { e.FacilityId = staff.FacilityId; e.ActorName = staff.Email; },
                new Dictionary<string, string> { ["reason"] = "wrong_password", ["subject"] = "staff" });
            await db.SaveChangesAsync(cancellationToken);
            return ApiProblem.Of(ErrorCodes.InvalidCredentials);
        }
        if (check == PasswordCheck.SucceededRehashNeeded)
        {
            staff.UpgradePasswordHash(await hashing.HashAsync(request.Password, cancellationToken));
        }
        staff.RecordSuccessfulLogin();
        audit.Record(AuditActions.LoginSucceeded, e => { e.FacilityId = staff.FacilityId; e.ActorName = staff.Email; },
            new Dictionary<string, string> { ["subject"] = "staff" });
        await db.SaveChangesAsync(cancellationToken);

        var token = tokens.ForStaff(staff);
        return TypedResults.Ok(new StaffTokenResponse(
            token.Token,
            "Bearer",
            token.ExpiresAt,
            (int)(token.ExpiresAt - now).TotalSeconds,
            new StaffProfile(staff.Id, staff.Email, staff.DisplayName, staff.Role, staff.FacilityId)));
    }
}
