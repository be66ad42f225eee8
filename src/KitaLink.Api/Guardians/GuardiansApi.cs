using System.Security.Claims;
using KitaLink.Api.Audit;
using KitaLink.Api.Children;
using KitaLink.Api.Guardians.AddressCheck;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Pins;
using KitaLink.Api.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Guardians;

/// <summary>Guardians of a child of the caller's facility.</summary>
public static class GuardiansApi
{
    public static IEndpointRouteBuilder MapGuardians(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/facility/children/{childId:guid}/guardians")
            .WithTag("Guardians", "People entitled to a child, with the email address the parent must register with.")
            .RequireAuthorization(Policies.Staff);

        group.MapPost("/", CreateAsync)
            .WithName("createGuardian")
            .WithSummary("Add a guardian to a child")
            .WithDescription("Records a person entitled to the child, with the email address exactly as they gave it (surrounding whitespace is trimmed). The parent must later register with this address; letter case does not matter, anything else does.\n\n" + AddressCheckText)
            .WithValidation<CreateGuardianRequest>()
            .WithETag()
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.EmailSuspect)
            .WithIdempotency();
        group.MapGet("/{guardianId:guid}", GetAsync)
            .WithName("getGuardian")
            .WithSummary("Get a guardian")
            .WithDescription("The guardian's help desk view, as in the child profile. The `ETag` versions the guardian's own fields (name, relationship, email); send it as `If-Match` with `PATCH`.")
            .WithETag()
            .ProducesErrors(ErrorCodes.NotFound)
            .FindsGuardianInScope();
        group.MapPatch("/{guardianId:guid}", UpdateAsync)
            .WithName("updateGuardian")
            .WithSummary("Update a guardian")
            .WithDescription("Changes the given fields; an empty `preferredLanguage` removes it (German only). Changing the email revokes a pending PIN pair, because its PIN 2 went to the old address; create new PINs afterwards. A new address is checked like on creation.\n\n" + AddressCheckText)
            .WithValidation<UpdateGuardianRequest>()
            .HonoursIfMatch()
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.Conflict, ErrorCodes.EmailSuspect)
            .FindsGuardianInScope()
            .AnswersConflictOnConcurrentChange();
        return app;
    }

    private const string AddressCheckText =
        "**Address check.** The email is checked for likely typos of common providers and top-level domains and for a " +
        "domain that can receive mail (MX, or A/AAAA). A suspect address is answered with `422 email_suspect` (`reasons`: " +
        "`domain_typo`, `tld_typo`, `no_mail_server`; `suggestion` when there is one) and nothing is stored; to keep it, " +
        "send the same request with `confirmSuspectEmail: true` (audited). When the DNS cannot be asked, the address is " +
        "stored with `emailCheck.result: could_not_check`, never refused. The result is part of the guardian view (`emailCheck`).";

    public static async Task<Results<Created<GuardianView>, ApiProblem>> CreateAsync(
        Guid childId,
        CreateGuardianRequest request,
        ClaimsPrincipal user,
        HttpContext http,
        KitaLinkDbContext db,
        GuardianEmailCheck emailCheck,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var child = await db.FindChildAsync(user, childId, cancellationToken);
        if (child is null)
        {
            return ApiProblem.NotFound();
        }
        // Before anything is written: a suspect address stores nothing until staff confirm it.
        var report = await emailCheck.CheckAsync(request.Email, cancellationToken);
        if (report.IsSuspect && request.ConfirmSuspectEmail != true)
        {
            return SuspectProblem(report);
        }
        var now = time.GetUtcNow();
        var guardian = new Guardian(child.FacilityId, child.Id, request.Name.Trim(), request.Relationship.Trim(), request.Email, now);
        guardian.RecordEmailCheck(report, emailCheck.Enabled, user.UserId(), now);
        if (request.PreferredLanguage is not null)
        {
            guardian.SetPreferredLanguage(request.PreferredLanguage, now);
        }
        db.Guardians.Add(guardian);
        audit.Record(AuditActions.GuardianCreated, e => Describe(e, guardian), new Dictionary<string, string>
        {
            ["email"] = guardian.Email,
            ["emailCheck"] = EmailCheckWords.Of(guardian.EmailCheckResult),
        });
        RecordConfirmation(audit, guardian, report);
        await db.SaveChangesAsync(cancellationToken);
        ConditionalRequests.SetETag(http, guardian.Version);
        return TypedResults.Created(
            $"/api/v1/facility/children/{child.Id}/guardians/{guardian.Id}",
            new GuardianView(guardian.Id, guardian.ChildId, guardian.Name, guardian.Relationship, guardian.Email,
                guardian.CreatedAt, guardian.UpdatedAt, new PinView(PinStatus.None), [], EmailCheckView.Of(guardian),
                guardian.PreferredLanguage));
    }

    private static ApiProblem SuspectProblem(EmailCheckReport report) =>
        ApiProblem.EmailSuspect(report.Reasons.Select(EmailCheckWords.Of), report.Suggestion);

    /// <summary>Staff kept an address the check found suspect: who, which address, and why it looked wrong.</summary>
    private static void RecordConfirmation(AuditTrail audit, Guardian guardian, EmailCheckReport report)
    {
        if (!report.IsSuspect)
        {
            return;
        }
        var data = new Dictionary<string, string>
        {
            ["email"] = guardian.Email,
            ["reasons"] = string.Join(',', report.Reasons.Select(EmailCheckWords.Of)),
        };
        if (report.Suggestion is not null)
        {
            data["suggestion"] = report.Suggestion;
        }
        audit.Record(AuditActions.GuardianSuspectEmailConfirmed, e => Describe(e, guardian), data);
    }

    public static async Task<Results<Ok<GuardianView>, ApiProblem>> GetAsync(
        [AsParameters] GuardianRoute route,
        HttpContext http,
        KitaLinkDbContext db,
        PinProtector pins,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var guardian = route.Guardian;
        ConditionalRequests.SetETag(http, guardian.Version);
        return TypedResults.Ok(await LoadViewAsync(db, pins, time, guardian, cancellationToken));
    }

    public static async Task<Results<Ok<GuardianView>, ApiProblem>> UpdateAsync(
        [AsParameters] GuardianRoute route,
        UpdateGuardianRequest request,
        ClaimsPrincipal user,
        HttpContext http,
        KitaLinkDbContext db,
        GuardianEmailCheck emailCheck,
        PinIssuance issuance,
        PinProtector pins,
        AuditTrail audit,
        WebhookEvents webhooks,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var guardian = route.Guardian;

        // A new address is checked before the lock is taken, so a slow DNS never holds the guardian row.
        // A change of letter case only is no new address (matching ignores case) and keeps the stored check.
        EmailCheckReport? report = null;
        if (request.Email is not null && !Accounts.EmailAddress.Matches(request.Email, guardian.Email))
        {
            report = await emailCheck.CheckAsync(request.Email, cancellationToken);
            if (report.IsSuspect && request.ConfirmSuspectEmail != true)
            {
                return SuspectProblem(report);
            }
        }

        // Under the guardian's lock, so a PIN pair created at the same moment cannot slip past the revocation.
        await using (var transaction = await issuance.LockGuardianAsync(guardian, cancellationToken))
        {
            // Checked on the version read under the lock, so no edit can slip in between check and write.
            if (!ConditionalRequests.IfMatchAllows(http.Request, guardian.Version))
            {
                return ApiProblem.Of(ErrorCodes.PreconditionFailed);
            }
            var oldEmail = guardian.Email;
            var changed = new List<string>();
            if (request.Name is not null && request.Name.Trim() != guardian.Name)
            {
                changed.Add("name");
            }
            if (request.Relationship is not null && request.Relationship.Trim() != guardian.Relationship)
            {
                changed.Add("relationship");
            }
            if (request.Email is not null && request.Email.Trim() != guardian.Email)
            {
                changed.Add("email");
            }
            var language = request.PreferredLanguage is null ? null : InputRules.TrimToNull(request.PreferredLanguage)?.ToLowerInvariant();
            if (request.PreferredLanguage is not null && language != guardian.PreferredLanguage)
            {
                changed.Add("preferredLanguage");
            }
            if (changed.Count == 0)
            {
                ConditionalRequests.SetETag(http, guardian.Version);
                return TypedResults.Ok(await LoadViewAsync(db, pins, time, guardian, cancellationToken));
            }

            var emailChanged = guardian.Update(request.Name?.Trim(), request.Relationship?.Trim(), request.Email, time.GetUtcNow());
            if (request.PreferredLanguage is not null)
            {
                guardian.SetPreferredLanguage(language, time.GetUtcNow());
            }
            audit.Record(AuditActions.GuardianUpdated, e => Describe(e, guardian),
                new Dictionary<string, string> { ["changed"] = string.Join(',', changed) });
            if (emailChanged && report is not null)
            {
                guardian.RecordEmailCheck(report, emailCheck.Enabled, user.UserId(), time.GetUtcNow());
                RecordConfirmation(audit, guardian, report);
            }
            if (emailChanged)
            {
                audit.Record(AuditActions.GuardianEmailChanged, e => Describe(e, guardian), new Dictionary<string, string>
                {
                    ["oldEmail"] = oldEmail,
                    ["newEmail"] = guardian.Email,
                });
                // PIN 2 of a pending pair went to the old address; that pair must not link anyone.
                var revoked = await issuance.RevokePendingAsync(guardian, PinRevocationReason.EmailChanged, cancellationToken);
                webhooks.Raise(WebhookEventTypes.GuardianEmailChanged, guardian.FacilityId,
                    new GuardianEmailChangedData(guardian.ChildId, guardian.Id, revoked.Count > 0, guardian.Email, oldEmail),
                    new GuardianEmailChangedData(guardian.ChildId, guardian.Id, revoked.Count > 0));
            }
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException ex)
            {
                // Another staff member changed the guardian since it was read (its row version), or the pending
                // pair was redeemed or locked by a parent at this very moment.
                var guardianChanged = ex.Entries.Any(e => e.Entity is Guardian) && ConditionalRequests.HasIfMatch(http.Request);
                return ApiProblem.Of(guardianChanged ? ErrorCodes.PreconditionFailed : ErrorCodes.Conflict);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        ConditionalRequests.SetETag(http, guardian.Version);
        return TypedResults.Ok(await LoadViewAsync(db, pins, time, guardian, cancellationToken));
    }

    public static async Task<GuardianView> LoadViewAsync(
        KitaLinkDbContext db, PinProtector pins, TimeProvider time, Guardian guardian, CancellationToken cancellationToken)
    {
        var views = await GuardianViews.LoadAsync(db, pins, time.GetUtcNow(), guardian.FacilityId, guardian.ChildId, [guardian], cancellationToken);
        return views[0];
    }

    private static void Describe(AuditEvent e, Guardian guardian)
    {
        e.FacilityId = guardian.FacilityId;
        e.ChildId = guardian.ChildId;
        e.GuardianId = guardian.Id;
    }
}
