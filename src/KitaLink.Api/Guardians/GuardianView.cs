using KitaLink.Api.Guardians.AddressCheck;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Links;
using KitaLink.Api.Pins;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Guardians;

/// <summary>
/// One guardian in the help desk view: the email as entered, the state of the newest PIN pair with the
/// PIN 2 email delivery, and the parent accounts linked through this guardian's PINs.
/// <c>preferredLanguage</c> is the family's language of the PIN letter and PIN 2 mail (German beside it);
/// null means German.
/// </summary>
public sealed record GuardianView(
    Guid Id,
    Guid ChildId,
    string Name,
    string Relationship,
    string Email,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    PinView Pin,
    IReadOnlyList<LinkView> Links,
    EmailCheckView EmailCheck,
    string? PreferredLanguage = null);

/// <summary>
/// The address check made when the current email was entered. <c>result</c>: <c>passed</c>, <c>could_not_check</c>
/// (the DNS did not answer; the address was stored anyway), <c>suspect_confirmed</c> (staff kept a suspect address;
/// <c>reasons</c> and <c>suggestion</c> say why it looked wrong) or <c>not_checked</c> (entered before the check
/// existed, or with the check switched off). <c>mailServer</c> is what the DNS said about the domain.
/// </summary>
public sealed record EmailCheckView(
    EmailCheckResult Result,
    IReadOnlyList<EmailSuspectReason> Reasons,
    string? Suggestion,
    MailServerCheck MailServer,
    DateTimeOffset? CheckedAt,
    Guid? ConfirmedByStaffId)
{
    public static EmailCheckView Of(Guardian guardian) => new(
        guardian.EmailCheckResult,
        EmailCheckWords.Parse(guardian.EmailCheckReasons),
        guardian.EmailCheckSuggestion,
        guardian.EmailCheckMailServer,
        guardian.EmailCheckedAt,
        guardian.EmailConfirmedByStaffId);
}

/// <summary>A registration or link with both PINs of this pair right but another email, masked (<c>el***@googlemail.com</c>).</summary>
public sealed record WrongEmailAttemptView(string MaskedEmail, DateTimeOffset AttemptedAt);

/// <summary>
/// The guardian's newest PIN pair. <c>pin1</c> and <c>expiresAt</c> are present only while the pair is
/// pending; <c>endedAt</c> says when it was redeemed, revoked, locked or expired.
/// </summary>
public sealed record PinView(
    PinStatus Status,
    Guid? PinPairId = null,
    string? Pin1 = null,
    DateTimeOffset? ExpiresAt = null,
    int FailedAttempts = 0,
    DateTimeOffset? CreatedAt = null,
    DateTimeOffset? EndedAt = null,
    PinRevocationReason? RevocationReason = null,
    DateTimeOffset? Pin2IssuedAt = null,
    Pin2DeliveryView? Pin2Delivery = null)
{
    /// <summary>Attempts with both PINs right and another email, oldest first (the email masked).</summary>
    public IReadOnlyList<WrongEmailAttemptView> WrongEmailAttempts { get; init; } = [];
}

/// <summary>
/// Delivery of the current PIN 2 email, past the first hop. <c>status</c>: <c>queued</c>, <c>sent</c> (accepted by our
/// mail server), <c>failed</c> (our server could not send it), then what came back for a sent mail: <c>delivered</c>
/// (the mail provider reports it in the mailbox), <c>deferred</c> (a server on the way keeps retrying) or <c>bounced</c>.
/// <c>reason</c> is the server's text (our SMTP server's reply, or the remote server's words from the bounce),
/// <c>problem</c> its category (<c>address_unknown</c>, <c>mailbox_full</c>, <c>blocked</c>, ...), <c>statusCode</c>
/// the enhanced status code (<c>5.1.1</c>). <c>guidance</c> says what the state means and what to do, in German and
/// English. <c>messageId</c> identifies the email (its Message-ID header carries it), to find it in mail server logs.
/// </summary>
public sealed record Pin2DeliveryView(
    Guid MessageId,
    OutboxMessageStatus Status,
    string Recipient,
    string? Reason,
    int? ReplyCode,
    int Attempts,
    DateTimeOffset QueuedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? SentAt,
    MailDeliveryReason? Problem,
    string? StatusCode,
    DateTimeOffset? ReportedAt,
    Pin2DeliveryGuidance Guidance)
{
    public static Pin2DeliveryView From(OutboxMessage message)
    {
        var reported = message.Status is OutboxMessageStatus.Delivered or OutboxMessageStatus.Deferred or OutboxMessageStatus.Bounced;
        return new(
            message.Id,
            message.Status,
            message.Recipient,
            reported ? message.ReportDetail : message.Status == OutboxMessageStatus.Sent ? null : message.LastError,
            message.Status is OutboxMessageStatus.Queued or OutboxMessageStatus.Failed ? message.LastSmtpStatus : null,
            message.Attempts,
            message.CreatedAt,
            message.LastAttemptAt,
            message.SentAt,
            reported ? message.ReportReason : null,
            reported ? message.ReportStatusCode : null,
            reported ? message.ReportedAt : null,
            Pin2DeliveryGuidanceTable.For(message.Status, message.ReportReason));
    }
}

/// <summary>A parent account linked to the child with this guardian's PINs, with the email the parent registered.</summary>
public sealed record LinkView(string AccountEmail, DateTimeOffset LinkedAt, ChildLinkStatus Status, DateTimeOffset? ArchivedAt);

public static class GuardianViews
{
    /// <summary>Builds the help desk view of the given guardians (all of one child of the caller's facility).</summary>
    public static async Task<IReadOnlyList<GuardianView>> LoadAsync(
        KitaLinkDbContext db,
        PinProtector pins,
        DateTimeOffset now,
        Guid facilityId,
        Guid childId,
        IReadOnlyCollection<Guardian> guardians,
        CancellationToken cancellationToken)
    {
        if (guardians.Count == 0)
        {
            return [];
        }
        var guardianIds = guardians.Select(g => g.Id).ToList();

        var newestPairs = await db.PinPairs.AsNoTracking()
            .Where(p => p.FacilityId == facilityId && p.ChildId == childId && guardianIds.Contains(p.GuardianId))
            .GroupBy(p => p.GuardianId)
            .Select(g => g.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id).First())
            .ToListAsync(cancellationToken);

        var messageIds = newestPairs.Where(p => p.Pin2MessageId is not null).Select(p => p.Pin2MessageId!.Value).ToList();
        var messages = messageIds.Count == 0
            ? []
            : await db.OutboxMessages.AsNoTracking().Where(m => messageIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, cancellationToken);

        // Only pairs with failed attempts can have wrong-email attempts; most views need no extra statement.
        var attemptPairIds = newestPairs.Where(p => p.FailedAttempts > 0).Select(p => p.Id).ToList();
        var attempts = attemptPairIds.Count == 0
            ? []
            : await db.WrongEmailAttempts.AsNoTracking()
                .Where(a => attemptPairIds.Contains(a.PinPairId))
                .OrderBy(a => a.AttemptedAt).ThenBy(a => a.Id)
                .ToListAsync(cancellationToken);
        var attemptsByPair = attempts.ToLookup(a => a.PinPairId);

        var links = await db.ChildLinks.AsNoTracking()
            .Where(l => l.ChildId == childId && guardianIds.Contains(l.GuardianId))
            .OrderBy(l => l.LinkedAt)
            .Select(l => new { l.GuardianId, l.Account!.Email, l.LinkedAt, l.Status, l.ArchivedAt })
            .ToListAsync(cancellationToken);
        var linksByGuardian = links.ToLookup(l => l.GuardianId);

        return guardians
            .OrderBy(g => g.CreatedAt).ThenBy(g => g.Id)
            .Select(g => new GuardianView(
                g.Id,
                g.ChildId,
                g.Name,
                g.Relationship,
                g.Email,
                g.CreatedAt,
                g.UpdatedAt,
                PinViewOf(newestPairs.SingleOrDefault(p => p.GuardianId == g.Id), messages, attemptsByPair, pins, now),
                linksByGuardian[g.Id].Select(l => new LinkView(l.Email, l.LinkedAt, l.Status, l.ArchivedAt)).ToList(),
                EmailCheckView.Of(g),
                g.PreferredLanguage))
            .ToList();
    }

    private static PinView PinViewOf(
        PinPair? pair, IReadOnlyDictionary<Guid, OutboxMessage> messages, ILookup<Guid, WrongEmailAttempt> attempts, PinProtector pins, DateTimeOffset now)
    {
        if (pair is null)
        {
            return new PinView(PinStatus.None);
        }
        var status = pair.StatusAt(now);
        var pending = status == PinStatus.Pending;
        var delivery = pair.Pin2MessageId is { } messageId && messages.TryGetValue(messageId, out var message)
            ? Pin2DeliveryView.From(message)
            : null;
        return new PinView(
            status,
            pair.Id,
            // PIN 1 stays readable for staff (letter, phone) only while it can still be redeemed.
            pending && pair.Pin1Protected is { } pin1 ? PinCodes.Format(pins.UnprotectPin1(pin1)) : null,
            pending ? pair.ExpiresAt : null,
            pair.FailedAttempts,
            pair.CreatedAt,
            status switch
            {
                PinStatus.Redeemed => pair.RedeemedAt,
                PinStatus.Revoked => pair.RevokedAt,
                PinStatus.Locked => pair.LockedAt,
                PinStatus.Expired => pair.ExpiresAt,
                _ => null,
            },
            pair.RevocationReason,
            pair.Pin2IssuedAt,
            delivery)
        {
            WrongEmailAttempts = attempts[pair.Id].Select(a => new WrongEmailAttemptView(a.MaskedEmail, a.AttemptedAt)).ToList(),
        };
    }
}
