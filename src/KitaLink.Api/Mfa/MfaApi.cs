using System.Security.Claims;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Mfa;

/// <summary>
/// The second factor (TOTP): setup, sign-in completion and turning it off, for parents and for staff, and the
/// facility admin's requirement for the facility's staff. Every wrong code of a sign-in or of turning it off counts
/// into the account's login lockout like a wrong password, and every failure of the completion answers the same
/// <c>mfa_code_invalid</c>, whatever the reason (wrong, used, unknown or expired challenge, locked account).
/// </summary>
public static class MfaApi
{
    private const string SetupDescription =
        "Starts setting up two-step sign-in: a new secret, the `otpauth://` key URI and the same as a QR code (PNG data URI) " +
        "for an authenticator app. Nothing changes for the sign-in until `confirm` is called with a code; calling this again " +
        "replaces a setup not yet confirmed. The secret is shown only in this answer and stored encrypted.";

    private const string ConfirmDescription =
        "Confirms the setup with the current code of the authenticator app (30-second codes, one step of clock drift either " +
        "side). From now on every sign-in asks for a code. The answer carries 10 recovery codes, shown only here: each signs " +
        "in once instead of a code.";

    private const string CompleteDescription =
        "The second step of a sign-in answered with `mfa_required`: the `challenge` of that answer with the current `code` of " +
        "the authenticator app or an unused `recoveryCode`. Each code works once (a replay is refused) and the challenge works " +
        "once, for 5 minutes. A wrong code counts towards the login lockout like a wrong password. Wrong, used or replayed " +
        "code, unknown, used or expired challenge and a locked account all answer `mfa_code_invalid`.";

    public static IEndpointRouteBuilder MapSecondFactor(this IEndpointRouteBuilder app)
    {
        var parent = app.MapGroup("/api/v1/me/mfa").WithTags("Parent account").RequireAuthorization(Policies.Parent);
        parent.MapGet("", ParentStatusAsync)
            .WithName("getMyMfa")
            .WithSummary("Two-step sign-in status")
            .WithDescription("Whether two-step sign-in (TOTP) is on and how many recovery codes are left.");
        parent.MapPost("/totp", StartParentEnrolmentAsync)
            .WithName("startMyTotpSetup")
            .WithSummary("Set up two-step sign-in")
            .WithDescription(SetupDescription)
            .ProducesErrors(ErrorCodes.MfaAlreadyEnabled, ErrorCodes.ServiceUnavailable);
        parent.MapPost("/totp/confirm", ConfirmParentEnrolmentAsync)
            .WithName("confirmMyTotpSetup")
            .WithSummary("Confirm two-step sign-in with a code")
            .WithDescription(ConfirmDescription)
            .WithValidation<ConfirmTotpRequest>()
            .ProducesErrors(ErrorCodes.MfaCodeInvalid, ErrorCodes.MfaNotEnabled, ErrorCodes.MfaAlreadyEnabled, ErrorCodes.ServiceUnavailable);
        parent.MapDelete("/totp", DisableParentAsync)
            .WithName("disableMyTotp")
            .WithSummary("Turn two-step sign-in off")
            .WithDescription("Needs the password and a current code (or an unused recovery code). Removes the secret and the " +
                "recovery codes. A wrong password or code counts towards the login lockout.")
            .WithValidation<DisableTotpRequest>()
            .ProducesErrors(ErrorCodes.InvalidCredentials, ErrorCodes.MfaCodeInvalid, ErrorCodes.MfaNotEnabled, ErrorCodes.ServiceUnavailable);

        app.MapPost("/api/v1/auth/token/mfa", CompleteParentSignInAsync)
            .WithTags("Parent authentication")
            .AllowAnonymous()
            .WithName("completeParentMfaSignIn")
            .WithSummary("Complete a sign-in with the second factor")
            .WithDescription(CompleteDescription + " Answers the same tokens as `POST /api/v1/auth/token`.")
            .WithRateLimits(RateLimitRules.PerAddress(RateLimitRules.Names.LoginPerAddress))
            .WithValidation<CompleteMfaSignInRequest>()
            .ProducesErrors(ErrorCodes.MfaCodeInvalid, ErrorCodes.ServiceUnavailable);

        var staff = app.MapGroup("/api/v1/staff/me/mfa").WithTags("Staff authentication").RequireAuthorization(Policies.StaffSecondFactor);
        staff.MapGet("", StaffStatusAsync)
            .WithName("getStaffMfa")
            .WithSummary("Two-step sign-in status (staff)")
            .WithDescription("Whether two-step sign-in (TOTP) is on, how many recovery codes are left and whether the account " +
                "must use it (facility setting, operator accounts). Also reachable with an enrolment token.");
        staff.MapPost("/totp", StartStaffEnrolmentAsync)
            .WithName("startStaffTotpSetup")
            .WithSummary("Set up two-step sign-in (staff)")
            .WithDescription(SetupDescription + " Also reachable with the `enrolmentToken` of an `mfa_enrolment_required` answer.")
            .ProducesErrors(ErrorCodes.MfaAlreadyEnabled, ErrorCodes.ServiceUnavailable);
        staff.MapPost("/totp/confirm", ConfirmStaffEnrolmentAsync)
            .WithName("confirmStaffTotpSetup")
            .WithSummary("Confirm two-step sign-in with a code (staff)")
            .WithDescription(ConfirmDescription + " With an enrolment token, sign in again afterwards (password, then code).")
            .WithValidation<ConfirmTotpRequest>()
            .ProducesErrors(ErrorCodes.MfaCodeInvalid, ErrorCodes.MfaNotEnabled, ErrorCodes.MfaAlreadyEnabled, ErrorCodes.ServiceUnavailable);
        staff.MapDelete("/totp", DisableStaffAsync)
            .WithName("disableStaffTotp")
            .WithSummary("Turn two-step sign-in off (staff)")
            .WithDescription("Needs the password and a current code (or an unused recovery code). Removes the secret and the " +
                "recovery codes. Where the account must use a second factor, every session of it ends too: the next sign-in " +
                "sets up a new one. A wrong password or code counts towards the login lockout.")
            .WithValidation<DisableTotpRequest>()
            .ProducesErrors(ErrorCodes.InvalidCredentials, ErrorCodes.MfaCodeInvalid, ErrorCodes.MfaNotEnabled, ErrorCodes.ServiceUnavailable);

        app.MapPost("/api/v1/staff/auth/token/mfa", CompleteStaffSignInAsync)
            .WithTags("Staff authentication")
            .AllowAnonymous()
            .WithName("completeStaffMfaSignIn")
            .WithSummary("Complete a sign-in with the second factor (staff)")
            .WithDescription(CompleteDescription + " Answers the same token as `POST /api/v1/staff/auth/token`.")
            .WithRateLimits(RateLimitRules.PerAddress(RateLimitRules.Names.LoginPerAddress))
            .WithValidation<CompleteMfaSignInRequest>()
            .ProducesErrors(ErrorCodes.MfaCodeInvalid, ErrorCodes.ServiceUnavailable);

        var settings = app.MapGroup("/api/v1/facility/settings/mfa").WithTags("Facility").RequireAuthorization(Policies.FacilityAdmin);
        settings.MapGet("", GetFacilitySettingsAsync)
            .WithName("getFacilityMfaSettings")
            .WithSummary("Two-step sign-in requirement of the facility")
            .WithDescription("Whether the facility's staff must sign in with a second factor, and how many active staff have not set one up.");
        settings.MapPut("", PutFacilitySettingsAsync)
            .WithName("setFacilityMfaSettings")
            .WithSummary("Require two-step sign-in for the facility's staff")
            .WithDescription("With `requiredForStaff: true`, admins and educators of the facility sign in only with a second factor: " +
                "one who has not set it up gets `mfa_enrolment_required` with a token for the setup at the next sign-in (tokens " +
                "issued before stay valid until they expire). Audited.")
            .WithValidation<FacilityMfaSettingsRequest>();
        return app;
    }

    // ---- Parent ----

    public static async Task<Results<Ok<MfaStatusResponse>, ApiProblem>> ParentStatusAsync(
        ClaimsPrincipal user, KitaLinkDbContext db, SecondFactor mfa, CancellationToken cancellationToken)
    {
        var account = await db.ParentAccounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == user.UserId(), cancellationToken);
        if (account is null)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        var left = await mfa.RecoveryCodesLeftAsync(MfaOwner.Parent(account.Id), cancellationToken);
        return TypedResults.Ok(new MfaStatusResponse(account.HasSecondFactor, left, Required: false));
    }

    public static async Task<Results<Ok<TotpEnrolmentResponse>, ApiProblem>> StartParentEnrolmentAsync(
        ClaimsPrincipal user, KitaLinkDbContext db, SecondFactor mfa, AuditTrail audit, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await LockParentAsync(db, user.UserId(), cancellationToken);
        if (account is null)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        if (mfa.StartEnrolment(account, account.Email) is not { } enrolment)
        {
            return ApiProblem.Of(ErrorCodes.MfaAlreadyEnabled);
        }
        audit.Record(AuditActions.MfaEnrolmentStarted, e => e.AccountId = account.Id, Subject("parent"));
        await CommitAsync(db, transaction, cancellationToken);
        return TypedResults.Ok(enrolment);
    }

    public static async Task<Results<Ok<RecoveryCodesResponse>, ApiProblem>> ConfirmParentEnrolmentAsync(
        ConfirmTotpRequest request, ClaimsPrincipal user, KitaLinkDbContext db, SecondFactor mfa, AuditTrail audit,
        CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await LockParentAsync(db, user.UserId(), cancellationToken);
        if (account is null)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        if (PendingProblem(account) is { } problem)
        {
            return problem;
        }
        // A wrong code here is not counted: the secret was handed out a moment ago, guessing it gains nothing.
        if (await mfa.ConfirmAsync(account, MfaOwner.Parent(account.Id), request.Code, cancellationToken) is not { } codes)
        {
            return ApiProblem.Of(ErrorCodes.MfaCodeInvalid);
        }
        audit.Record(AuditActions.MfaEnabled, e => e.AccountId = account.Id, Subject("parent"));
        await CommitAsync(db, transaction, cancellationToken);
        return TypedResults.Ok(new RecoveryCodesResponse(codes));
    }

    public static async Task<Results<NoContent, ApiProblem>> DisableParentAsync(
        [FromBody] DisableTotpRequest request, ClaimsPrincipal user, KitaLinkDbContext db, ParentCredentials credentials,
        SecondFactor mfa, AuditTrail audit, CancellationToken cancellationToken)
    {
        var attempt = await credentials.CheckByIdAsync(user.UserId(), request.Password, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (account, refusal) = await credentials.ConfirmAsync(attempt, request.Password, PasswordCheckPurpose.DisableSecondFactor, cancellationToken);
        if (account is null)
        {
            return refusal!;
        }
        if (!account.HasSecondFactor)
        {
            return ApiProblem.Of(ErrorCodes.MfaNotEnabled);
        }
        var owner = MfaOwner.Parent(account.Id);
        var result = await mfa.VerifyAsync(account, owner, request.Code, request.RecoveryCode, cancellationToken);
        if (result is SecondFactorResult.Wrong or SecondFactorResult.Replayed)
        {
            var lockedNow = mfa.CountFailure(account);
            audit.Record(lockedNow ? AuditActions.LoginLockedOut : AuditActions.LoginFailed, e => e.AccountId = account.Id,
                Subject("parent", reason: Reason(result), purpose: "disable_mfa"));
            await CommitAsync(db, transaction, cancellationToken);
            return ApiProblem.Of(ErrorCodes.MfaCodeInvalid);
        }
        await mfa.DisableAsync(account, owner, cancellationToken);
        audit.Record(AuditActions.MfaDisabled, e => e.AccountId = account.Id, Subject("parent", factor: Factor(result)));
        await CommitAsync(db, transaction, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<TokenResponse>, ApiProblem>> CompleteParentSignInAsync(
        CompleteMfaSignInRequest request, KitaLinkDbContext db, SecondFactor mfa, ParentSessions sessions, AuditTrail audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var challenge = await mfa.FindChallengeAsync(request.Challenge, parent: true, cancellationToken);
        var account = challenge is null ? null : await LockParentAsync(db, challenge.ParentAccountId!.Value, cancellationToken);
        if (challenge is null || account is null)
        {
            audit.Record(AuditActions.LoginFailed, data: Subject("parent", reason: "mfa_challenge_invalid"));
            return await CodeInvalidAsync(db, transaction, cancellationToken);
        }
        if (account.IsLockedOut(time.GetUtcNow()))
        {
            audit.Record(AuditActions.LoginFailed, e => e.AccountId = account.Id, Subject("parent", reason: "locked_out", purpose: "mfa"));
            return await CodeInvalidAsync(db, transaction, cancellationToken);
        }
        var owner = MfaOwner.Parent(account.Id);
        var result = await mfa.VerifyAsync(account, owner, request.Code, request.RecoveryCode, cancellationToken);
        if (result is SecondFactorResult.Wrong or SecondFactorResult.Replayed)
        {
            var lockedNow = mfa.CountFailure(account);
            audit.Record(lockedNow ? AuditActions.LoginLockedOut : AuditActions.LoginFailed, e => e.AccountId = account.Id,
                Subject("parent", reason: Reason(result), purpose: "mfa"));
            return await CodeInvalidAsync(db, transaction, cancellationToken);
        }
        mfa.Consume(challenge);
        account.RecordSuccessfulLogin();
        if (result == SecondFactorResult.RecoveryCode)
        {
            await RecordRecoveryCodeUseAsync(mfa, audit, owner, e => e.AccountId = account.Id, "parent", cancellationToken);
        }
        await sessions.PruneExpiredAsync(account.Id, cancellationToken);
        var tokens = sessions.Start(account);
        audit.Record(AuditActions.LoginSucceeded, e => e.AccountId = account.Id, Subject("parent", factor: Factor(result)));
        await CommitAsync(db, transaction, cancellationToken);
        return TypedResults.Ok(tokens);
    }

    // ---- Staff and operators ----

    public static async Task<Results<Ok<MfaStatusResponse>, ApiProblem>> StaffStatusAsync(
        ClaimsPrincipal user, KitaLinkDbContext db, SecondFactor mfa, IOptions<MfaOptions> options, CancellationToken cancellationToken)
    {
        var staff = await db.StaffMembers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == user.UserId(), cancellationToken);
        if (staff is null)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        var left = await mfa.RecoveryCodesLeftAsync(MfaOwner.Staff(staff.Id), cancellationToken);
        var required = await RequiresSecondFactorAsync(db, staff, options.Value, cancellationToken);
        return TypedResults.Ok(new MfaStatusResponse(staff.HasSecondFactor, left, required));
    }

    public static async Task<Results<Ok<TotpEnrolmentResponse>, ApiProblem>> StartStaffEnrolmentAsync(
        ClaimsPrincipal user, KitaLinkDbContext db, SecondFactor mfa, AuditTrail audit, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var staff = await LockStaffAsync(db, user.UserId(), cancellationToken);
        if (staff is null)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        if (mfa.StartEnrolment(staff, staff.Email) is not { } enrolment)
        {
            return ApiProblem.Of(ErrorCodes.MfaAlreadyEnabled);
        }
        StaffAuthApi.Record(audit, AuditActions.MfaEnrolmentStarted, staff, reason: null);
        await CommitAsync(db, transaction, cancellationToken);
        return TypedResults.Ok(enrolment);
    }

    public static async Task<Results<Ok<RecoveryCodesResponse>, ApiProblem>> ConfirmStaffEnrolmentAsync(
        ConfirmTotpRequest request, ClaimsPrincipal user, KitaLinkDbContext db, SecondFactor mfa, AuditTrail audit,
        CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var staff = await LockStaffAsync(db, user.UserId(), cancellationToken);
        if (staff is null)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        if (PendingProblem(staff) is { } problem)
        {
            return problem;
        }
        if (await mfa.ConfirmAsync(staff, MfaOwner.Staff(staff.Id), request.Code, cancellationToken) is not { } codes)
        {
            return ApiProblem.Of(ErrorCodes.MfaCodeInvalid);
        }
        StaffAuthApi.Record(audit, AuditActions.MfaEnabled, staff, reason: null);
        await CommitAsync(db, transaction, cancellationToken);
        return TypedResults.Ok(new RecoveryCodesResponse(codes));
    }

    public static async Task<Results<NoContent, ApiProblem>> DisableStaffAsync(
        [FromBody] DisableTotpRequest request, ClaimsPrincipal user, KitaLinkDbContext db, PasswordChecks checks, SecondFactor mfa,
        AuditTrail audit, IOptions<MfaOptions> options, CancellationToken cancellationToken)
    {
        var staffId = user.UserId();
        // The hashing happens before the transaction and the row lock (see PasswordChecks).
        var stored = await db.StaffMembers.AsNoTracking()
            .Where(s => s.Id == staffId)
            .Select(s => new StoredPassword(s.Id, s.PasswordHash, s.LockedUntil))
            .SingleOrDefaultAsync(cancellationToken);
        var attempt = await checks.CheckAsync(stored, request.Password, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var staff = await LockStaffAsync(db, staffId, cancellationToken);
        var outcome = await checks.SettleAsync(staff, attempt, request.Password, cancellationToken);
        if (staff is null || !staff.IsActive)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        if (outcome != PasswordOutcome.Verified)
        {
            StaffAuthApi.Record(audit, outcome == PasswordOutcome.WrongPasswordLockedNow ? AuditActions.LoginLockedOut : AuditActions.LoginFailed,
                staff, outcome == PasswordOutcome.LockedOut ? "locked_out" : "wrong_password", purpose: "disable_mfa");
            await CommitAsync(db, transaction, cancellationToken);
            return ApiProblem.Of(ErrorCodes.InvalidCredentials);
        }
        if (!staff.HasSecondFactor)
        {
            return ApiProblem.Of(ErrorCodes.MfaNotEnabled);
        }
        var owner = MfaOwner.Staff(staff.Id);
        var result = await mfa.VerifyAsync(staff, owner, request.Code, request.RecoveryCode, cancellationToken);
        if (result is SecondFactorResult.Wrong or SecondFactorResult.Replayed)
        {
            var lockedNow = mfa.CountFailure(staff);
            StaffAuthApi.Record(audit, lockedNow ? AuditActions.LoginLockedOut : AuditActions.LoginFailed, staff, Reason(result), purpose: "disable_mfa");
            await CommitAsync(db, transaction, cancellationToken);
            return ApiProblem.Of(ErrorCodes.MfaCodeInvalid);
        }
        await mfa.DisableAsync(staff, owner, cancellationToken);
        if (await RequiresSecondFactorAsync(db, staff, options.Value, cancellationToken))
        {
            // Without the factor the account may not be signed in: its sessions end, the next sign-in enrols again.
            staff.RevokeTokens();
        }
        StaffAuthApi.Record(audit, AuditActions.MfaDisabled, staff, reason: null);
        await CommitAsync(db, transaction, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<StaffTokenResponse>, ApiProblem>> CompleteStaffSignInAsync(
        CompleteMfaSignInRequest request, KitaLinkDbContext db, SecondFactor mfa, AccessTokenIssuer tokens, AuditTrail audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var challenge = await mfa.FindChallengeAsync(request.Challenge, parent: false, cancellationToken);
        var staff = challenge is null ? null : await LockStaffAsync(db, challenge.StaffMemberId!.Value, cancellationToken);
        if (challenge is null || staff is null)
        {
            audit.Record(AuditActions.LoginFailed, data: Subject("staff", reason: "mfa_challenge_invalid"));
            return await CodeInvalidAsync(db, transaction, cancellationToken);
        }
        if (staff.IsLockedOut(time.GetUtcNow()) || !staff.IsActive)
        {
            StaffAuthApi.Record(audit, AuditActions.LoginFailed, staff, staff.IsActive ? "locked_out" : "deactivated", purpose: "mfa");
            return await CodeInvalidAsync(db, transaction, cancellationToken);
        }
        var owner = MfaOwner.Staff(staff.Id);
        var result = await mfa.VerifyAsync(staff, owner, request.Code, request.RecoveryCode, cancellationToken);
        if (result is SecondFactorResult.Wrong or SecondFactorResult.Replayed)
        {
            var lockedNow = mfa.CountFailure(staff);
            StaffAuthApi.Record(audit, lockedNow ? AuditActions.LoginLockedOut : AuditActions.LoginFailed, staff, Reason(result), purpose: "mfa");
            return await CodeInvalidAsync(db, transaction, cancellationToken);
        }
        mfa.Consume(challenge);
        staff.RecordSuccessfulLogin();
        if (result == SecondFactorResult.RecoveryCode)
        {
            await RecordRecoveryCodeUseAsync(mfa, audit, owner, e =>
            {
                e.FacilityId = staff.FacilityId;
                e.ActorName = staff.Email;
            }, "staff", cancellationToken);
        }
        StaffAuthApi.Record(audit, AuditActions.LoginSucceeded, staff, reason: null, purpose: "mfa_" + Factor(result));
        await CommitAsync(db, transaction, cancellationToken);
        return TypedResults.Ok(StaffAuthApi.TokenFor(staff, tokens, time));
    }

    /// <summary>
    /// Whether <paramref name="staff"/> may sign in only with a second factor: operators when
    /// <see cref="MfaOptions.RequiredForOperators"/>, facility staff when their facility requires it.
    /// </summary>
    public static async Task<bool> RequiresSecondFactorAsync(KitaLinkDbContext db, StaffMember staff, MfaOptions options, CancellationToken cancellationToken) =>
        staff.FacilityId is { } facilityId
            ? await db.Facilities.AsNoTracking().AnyAsync(f => f.Id == facilityId && f.StaffMfaRequired, cancellationToken)
            : options.RequiredForOperators;

    // ---- Facility setting ----

    public static async Task<Ok<FacilityMfaSettingsResponse>> GetFacilitySettingsAsync(
        ClaimsPrincipal user, KitaLinkDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await SettingsOfAsync(db, user.FacilityId(), cancellationToken));

    public static async Task<Results<Ok<FacilityMfaSettingsResponse>, ApiProblem>> PutFacilitySettingsAsync(
        FacilityMfaSettingsRequest request, ClaimsPrincipal user, KitaLinkDbContext db, AuditTrail audit, CancellationToken cancellationToken)
    {
        var facilityId = user.FacilityId();
        var facility = await db.Facilities.SingleOrDefaultAsync(f => f.Id == facilityId, cancellationToken);
        if (facility is null)
        {
            return ApiProblem.NotFound();
        }
        if (facility.RequireStaffMfa(request.RequiredForStaff!.Value))
        {
            audit.Record(AuditActions.FacilityStaffMfaChanged, e => e.FacilityId = facility.Id,
                new Dictionary<string, string> { ["requiredForStaff"] = facility.StaffMfaRequired ? "true" : "false" });
            await db.SaveChangesAsync(cancellationToken);
        }
        return TypedResults.Ok(await SettingsOfAsync(db, facilityId, cancellationToken));
    }

    private static async Task<FacilityMfaSettingsResponse> SettingsOfAsync(KitaLinkDbContext db, Guid facilityId, CancellationToken cancellationToken)
    {
        var required = await db.Facilities.AsNoTracking().Where(f => f.Id == facilityId).Select(f => f.StaffMfaRequired).SingleAsync(cancellationToken);
        var without = await db.StaffMembers.AsNoTracking()
            .CountAsync(s => s.FacilityId == facilityId && s.DeactivatedAt == null && s.TotpEnabledAt == null, cancellationToken);
        return new FacilityMfaSettingsResponse(required, without);
    }

    // ---- Shared ----

    private static Task<ParentAccount?> LockParentAsync(KitaLinkDbContext db, Guid id, CancellationToken cancellationToken) =>
        db.ParentAccounts.FromSql($"SELECT * FROM parent_accounts WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);

    private static Task<StaffMember?> LockStaffAsync(KitaLinkDbContext db, Guid id, CancellationToken cancellationToken) =>
        db.StaffMembers.FromSql($"SELECT * FROM staff_members WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);

    private static ApiProblem? PendingProblem(SecondFactorAccount account) =>
        account.HasSecondFactor ? ApiProblem.Of(ErrorCodes.MfaAlreadyEnabled)
        : account.HasPendingTotp ? null
        : ApiProblem.Of(ErrorCodes.MfaNotEnabled);

    private static async Task RecordRecoveryCodeUseAsync(
        SecondFactor mfa, AuditTrail audit, MfaOwner owner, Action<AuditEvent> describe, string subject, CancellationToken cancellationToken)
    {
        var left = await mfa.RecoveryCodesLeftAsync(owner, cancellationToken);
        var data = Subject(subject);
        data["recoveryCodesLeft"] = left.ToString(System.Globalization.CultureInfo.InvariantCulture);
        audit.Record(AuditActions.MfaRecoveryCodeUsed, describe, data);
    }

    private static async Task<ApiProblem> CodeInvalidAsync(KitaLinkDbContext db, IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        // The failure count and the audit event stay, whatever the answer.
        await CommitAsync(db, transaction, cancellationToken);
        return ApiProblem.Of(ErrorCodes.MfaCodeInvalid);
    }

    private static async Task CommitAsync(KitaLinkDbContext db, IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static string Reason(SecondFactorResult result) => result == SecondFactorResult.Replayed ? "replayed_code" : "wrong_code";

    private static string Factor(SecondFactorResult result) => result == SecondFactorResult.RecoveryCode ? "recovery_code" : "totp";

    private static Dictionary<string, string> Subject(string subject, string? reason = null, string? purpose = null, string? factor = null)
    {
        var data = new Dictionary<string, string> { ["subject"] = subject };
        if (reason is not null)
        {
            data["reason"] = reason;
        }
        if (purpose is not null)
        {
            data["purpose"] = purpose;
        }
        if (factor is not null)
        {
            data["factor"] = factor;
        }
        return data;
    }
}
