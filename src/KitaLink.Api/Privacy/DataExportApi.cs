using System.Security.Claims;
using System.Text.Json;
using KitaLink.Api.Audit;
using KitaLink.Api.Children;
using KitaLink.Api.Guardians;
using KitaLink.Api.Guardians.AddressCheck;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Links;
using KitaLink.Api.Pins;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Privacy;

/// <summary>A parent's data as KitaLink holds it (GDPR Art. 15 and 20). Secrets (password, tokens, PINs) are never part of it.</summary>
public sealed record ParentDataExport(
    DateTimeOffset ExportedAt,
    ExportedAccount Account,
    IReadOnlyList<ExportedLink> Links,
    IReadOnlyList<ExportedSession> Sessions,
    IReadOnlyList<ExportedAuditEvent> AuditEvents);

public sealed record ExportedAccount(Guid Id, string Email, DateTimeOffset CreatedAt, DateTimeOffset? PasswordChangedAt);

/// <summary>A child linked to the account (active or archived), with the child's record and facility.</summary>
public sealed record ExportedLink(
    Guid ChildId, string FirstName, string LastName, DateOnly DateOfBirth, Guid FacilityId, string FacilityName,
    ChildLinkStatus Status, DateTimeOffset LinkedAt, DateTimeOffset? ArchivedAt);

/// <summary>A signed-in device: one family of refresh tokens.</summary>
/// <param name="Active">Whether the session can still be renewed.</param>
public sealed record ExportedSession(Guid SessionId, DateTimeOffset StartedAt, DateTimeOffset LastRenewedAt, DateTimeOffset ExpiresAt, bool Active);

/// <param name="Details">The event's non-secret details; null once removed by the retention job.</param>
public sealed record ExportedAuditEvent(
    DateTimeOffset OccurredAt, string Action, AuditActorType ActorType, string? ClientAddress, JsonElement? Details);

/// <summary>What KitaLink holds about one guardian of the facility, for the facility's answer to a subject-access request.</summary>
public sealed record GuardianDataExport(
    DateTimeOffset ExportedAt,
    ExportedGuardian Guardian,
    ExportedChild Child,
    IReadOnlyList<ExportedPinPair> PinPairs,
    IReadOnlyList<ExportedWrongEmailAttempt> WrongEmailAttempts,
    IReadOnlyList<ExportedMail> Mails,
    IReadOnlyList<ExportedLinkedAccount> LinkedAccounts,
    IReadOnlyList<ExportedAuditEvent> AuditEvents);

public sealed record ExportedGuardian(Guid Id, string Name, string Relationship, string Email, DateTimeOffset CreatedAt, EmailCheckResult EmailCheck);

public sealed record ExportedChild(Guid Id, string FirstName, string LastName, DateOnly DateOfBirth);

/// <summary>A PIN pair without its secrets.</summary>
public sealed record ExportedPinPair(
    Guid Id, PinStatus Status, string SentToEmail, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, int FailedAttempts,
    DateTimeOffset? RedeemedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LockedAt, DateTimeOffset? SecretsWipedAt);

public sealed record ExportedWrongEmailAttempt(Guid PinPairId, string MaskedEmail, DateTimeOffset AttemptedAt);

/// <summary>A mail to the guardian (its body is never kept after sending).</summary>
public sealed record ExportedMail(Guid Id, OutboxMessageKind Kind, string Recipient, OutboxMessageStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, DateTimeOffset? FailedAt);

public sealed record ExportedLinkedAccount(Guid AccountId, string Email, ChildLinkStatus Status, DateTimeOffset LinkedAt);

/// <summary>Data access and portability: a parent's own export, and the facility's export of a guardian's data.</summary>
public static class DataExportApi
{
    public static IEndpointRouteBuilder MapDataExport(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/me")
            .WithTags("Parent account")
            .RequireAuthorization(Policies.Parent)
            .MapGet("/export", ExportMyDataAsync)
            .WithName("exportMyData")
            .WithSummary("Export my data (GDPR Art. 15 and 20)")
            .WithDescription("Everything KitaLink holds about the signed-in parent, as JSON: the account, every linked child (active and " +
                "archived) with its facility, the signed-in sessions and the audit events about the account. Never any password, " +
                "token or PIN. Rate limited per account (`ExportPerAccount`).")
            .WithRateLimits(RateLimitRules.PerUser(RateLimitRules.Names.ExportPerAccount))
            .ProducesErrors(ErrorCodes.RateLimited);

        app.MapGroup("/api/v1/facility/children/{childId:guid}/guardians/{guardianId:guid}")
            .WithTags("Guardians")
            .RequireAuthorization(Policies.Staff)
            .MapGet("/export", ExportGuardianDataAsync)
            .WithName("exportGuardianData")
            .WithSummary("Export a guardian's data (subject-access request)")
            .WithDescription("Everything KitaLink holds about the guardian for the facility's answer to a subject-access request " +
                "(GDPR Art. 15): the guardian record, the child, the PIN pairs without their secrets, wrong-email attempts (masked), " +
                "the mails sent to the guardian, the parent accounts linked through the guardian and the audit events about the " +
                "guardian. Never PIN 1 or PIN 2. The export is audited (`guardian.exported`).")
            .FindsGuardianInScope()
            .ProducesErrors(ErrorCodes.NotFound);
        return app;
    }

    public static async Task<Results<Ok<ParentDataExport>, ApiProblem>> ExportMyDataAsync(
        ClaimsPrincipal user, KitaLinkDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var accountId = user.UserId();
        var now = time.GetUtcNow();
        var account = await db.ParentAccounts.AsNoTracking()
            .Where(a => a.Id == accountId)
            .Select(a => new ExportedAccount(a.Id, a.Email, a.CreatedAt, a.PasswordChangedAt))
            .SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }
        var links = await db.ChildLinks.AsNoTracking()
            .Where(l => l.AccountId == accountId)
            .OrderBy(l => l.LinkedAt)
            .Select(l => new ExportedLink(l.ChildId, l.Child!.FirstName, l.Child.LastName, l.Child.DateOfBirth, l.Child.FacilityId,
                l.Child.Facility!.Name, l.Status, l.LinkedAt, l.ArchivedAt))
            .ToListAsync(cancellationToken);
        var tokens = await db.RefreshTokens.AsNoTracking().Where(t => t.AccountId == accountId).ToListAsync(cancellationToken);
        var sessions = tokens.GroupBy(t => t.FamilyId)
            .Select(f => new ExportedSession(f.Key, f.Min(t => t.CreatedAt), f.Max(t => t.CreatedAt), f.Max(t => t.ExpiresAt),
                f.Any(t => t.IsActiveAt(now))))
            .OrderBy(s => s.StartedAt)
            .ToList();
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.AccountId == accountId || (e.ActorType == AuditActorType.Parent && e.ActorId == accountId))
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new ParentDataExport(now, account, links, sessions, events.Select(Export).ToList()));
    }

    public static async Task<Results<Ok<GuardianDataExport>, ApiProblem>> ExportGuardianDataAsync(
        [AsParameters] GuardianRoute route, KitaLinkDbContext db, AuditTrail audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var guardian = route.Guardian;
        var child = guardian.Child!;
        var now = time.GetUtcNow();
        var pairs = await db.PinPairs.AsNoTracking().Where(p => p.GuardianId == guardian.Id).OrderBy(p => p.CreatedAt).ToListAsync(cancellationToken);
        var pairIds = pairs.Select(p => p.Id).ToList();
        var attempts = await db.WrongEmailAttempts.AsNoTracking()
            .Where(a => pairIds.Contains(a.PinPairId))
            .OrderBy(a => a.AttemptedAt)
            .Select(a => new ExportedWrongEmailAttempt(a.PinPairId, a.MaskedEmail, a.AttemptedAt))
            .ToListAsync(cancellationToken);
        var mails = await db.OutboxMessages.AsNoTracking()
            .Where(m => m.GuardianId == guardian.Id)
            .OrderBy(m => m.CreatedAt)
            .Select(m => new ExportedMail(m.Id, m.Kind, m.Recipient, m.Status, m.CreatedAt, m.SentAt, m.FailedAt))
            .ToListAsync(cancellationToken);
        var accounts = await db.ChildLinks.AsNoTracking()
            .Where(l => l.GuardianId == guardian.Id)
            .OrderBy(l => l.LinkedAt)
            .Select(l => new ExportedLinkedAccount(l.AccountId, l.Account!.Email, l.Status, l.LinkedAt))
            .ToListAsync(cancellationToken);
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.GuardianId == guardian.Id && e.FacilityId == guardian.FacilityId)
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);

        audit.Record(AuditActions.GuardianExported, e =>
        {
            e.FacilityId = guardian.FacilityId;
            e.ChildId = guardian.ChildId;
            e.GuardianId = guardian.Id;
        });
        await db.SaveChangesAsync(cancellationToken);

        return TypedResults.Ok(new GuardianDataExport(
            now,
            new ExportedGuardian(guardian.Id, guardian.Name, guardian.Relationship, guardian.Email, guardian.CreatedAt, guardian.EmailCheckResult),
            new ExportedChild(child.Id, child.FirstName, child.LastName, child.DateOfBirth),
            pairs.Select(p => new ExportedPinPair(p.Id, p.StatusAt(now), p.GuardianEmail, p.CreatedAt, p.ExpiresAt, p.FailedAttempts,
                p.RedeemedAt, p.RevokedAt, p.LockedAt, p.SecretsWipedAt)).ToList(),
            attempts,
            mails,
            accounts,
            events.Select(Export).ToList()));
    }

    private static ExportedAuditEvent Export(AuditEvent e) =>
        new(e.OccurredAt, e.Action, e.ActorType, e.ClientAddress, e.Data is null ? null : JsonDocument.Parse(e.Data).RootElement.Clone());
}
