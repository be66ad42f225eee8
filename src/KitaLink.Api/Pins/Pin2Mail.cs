using System.Globalization;
using System.Text;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Webhooks;
using Microsoft.EntityFrameworkCore;
using static KitaLink.Api.Infrastructure.Email.MailTemplates;

namespace KitaLink.Api.Pins;

/// <summary>What the PIN 2 email says. Holds PIN 2, never PIN 1.</summary>
public sealed record Pin2MailModel(
    string GuardianName,
    string ChildFirstName,
    string FacilityName,
    string Pin2Formatted,
    DateTimeOffset ExpiresAt);

/// <summary>What became of a PIN 2 mail, as integrators learn it (<c>pin2_mail.*</c>).</summary>
public enum Pin2DeliveryOutcome
{
    Sent,
    Failed,
    Bounced,
    Deferred,
}

/// <summary>
/// The PIN 2 mail: its content, and what the outbox asks about it at delivery time (whether it is still
/// worth sending, and the audit events of its outcome). The outbox itself knows no PIN.
/// </summary>
public sealed class Pin2Mail(KitaLinkDbContext db, AuditTrail audit, WebhookEvents webhooks, TimeProvider time) : IOutboxKindRules
{
    /// <summary>The permanent failure recorded for a PIN 2 mail withdrawn before delivery.</summary>
    public const string SupersededReason =
        "Not sent: the PIN pair was replaced, revoked, redeemed or expired before delivery, so this PIN 2 no longer works.";

    /// <summary>
    /// The PIN 2 mail. The letter carries PIN 1 on paper; this mail carries only PIN 2, so neither the
    /// letter nor the mailbox alone is enough to link the child.
    /// </summary>
    public static MailContent Content(Pin2MailModel model)
    {
        var guardian = OneLine(model.GuardianName);
        var child = OneLine(model.ChildFirstName);
        var facility = OneLine(model.FacilityName);
        var pin2 = model.Pin2Formatted;
        var expiresDe = KitaTime.GermanDateTime(model.ExpiresAt);
        var expiresEn = KitaTime.EnglishDateTime(model.ExpiresAt);

        var subject = Subject($"Ihre PIN 2 für die KitaLink-App ({facility}) / Your PIN 2 for the KitaLink app");

        var text = new StringBuilder()
            .AppendLine($"Guten Tag {guardian},")
            .AppendLine()
            .AppendLine($"{facility} hat die KitaLink-App für Sie vorbereitet. Damit Sie {child} mit Ihrem Elternkonto verknüpfen können, erhalten Sie zwei PINs: PIN 1 steht in dem Brief, den Sie von der Kita bekommen, PIN 2 steht in dieser E-Mail.")
            .AppendLine()
            .AppendLine("Ihre PIN 2:")
            .AppendLine()
            .AppendLine($"    {pin2}")
            .AppendLine()
            .AppendLine($"Gültig bis {expiresDe}.")
            .AppendLine()
            .AppendLine("So geht es weiter:")
            .AppendLine("1. Installieren Sie die KitaLink-App.")
            .AppendLine("2. Registrieren Sie sich mit genau dieser E-Mail-Adresse.")
            .AppendLine("3. Geben Sie PIN 1 aus dem Brief der Kita ein.")
            .AppendLine("4. Geben Sie PIN 2 aus dieser E-Mail ein.")
            .AppendLine($"Sie haben schon ein KitaLink-Konto? Dann melden Sie sich an und fügen Sie {child} unter „Kind hinzufügen“ mit PIN 1 und PIN 2 hinzu.")
            .AppendLine()
            .AppendLine("Wichtig: Die Mitarbeitenden der Kita sehen PIN 2 nie. Geben Sie PIN 2 an niemanden weiter, auch nicht am Telefon. Wenn Sie diese E-Mail nicht erwartet haben, wenden Sie sich bitte an die Kita.")
            .AppendLine()
            .AppendLine(Separator)
            .AppendLine()
            .AppendLine($"Hello {guardian},")
            .AppendLine()
            .AppendLine($"{facility} has set up the KitaLink app for you. To link {child} to your parent account you receive two PINs: PIN 1 is in the letter the daycare gives you, PIN 2 is in this email.")
            .AppendLine()
            .AppendLine("Your PIN 2:")
            .AppendLine()
            .AppendLine($"    {pin2}")
            .AppendLine()
            .AppendLine($"Valid until {expiresEn}.")
            .AppendLine()
            .AppendLine("What to do:")
            .AppendLine("1. Install the KitaLink app.")
            .AppendLine("2. Register with exactly this email address.")
            .AppendLine("3. Enter PIN 1 from the daycare's letter.")
            .AppendLine("4. Enter PIN 2 from this email.")
            .AppendLine($"Already have a KitaLink account? Log in and add {child} under \"Add child\" with PIN 1 and PIN 2.")
            .AppendLine()
            .AppendLine("Important: daycare staff never see PIN 2. Do not share PIN 2 with anyone, not even on the phone. If you did not expect this email, please contact the daycare.")
            .ToString();

        var html = Html(
            "de",
            subject,
            $"""
            <div lang="de">
            <p>Guten Tag {H(guardian)},</p>
            <p>{H(facility)} hat die KitaLink-App für Sie vorbereitet. Damit Sie {H(child)} mit Ihrem Elternkonto verknüpfen können, erhalten Sie zwei PINs: PIN&nbsp;1 steht in dem Brief, den Sie von der Kita bekommen, PIN&nbsp;2 steht in dieser E-Mail.</p>
            <p style="margin:24px 0 4px 0;">Ihre PIN&nbsp;2:</p>
            {PinBlock(pin2)}
            <p>Gültig bis <strong>{H(expiresDe)}</strong>.</p>
            <p style="margin-bottom:4px;"><strong>So geht es weiter:</strong></p>
            <ol style="margin-top:0;">
            <li>Installieren Sie die KitaLink-App.</li>
            <li>Registrieren Sie sich mit genau dieser E-Mail-Adresse.</li>
            <li>Geben Sie PIN&nbsp;1 aus dem Brief der Kita ein.</li>
            <li>Geben Sie PIN&nbsp;2 aus dieser E-Mail ein.</li>
            </ol>
            <p>Sie haben schon ein KitaLink-Konto? Dann melden Sie sich an und fügen Sie {H(child)} unter „Kind hinzufügen“ mit PIN&nbsp;1 und PIN&nbsp;2 hinzu.</p>
            <p style="color:#7a2e0e;"><strong>Wichtig:</strong> Die Mitarbeitenden der Kita sehen PIN&nbsp;2 nie. Geben Sie PIN&nbsp;2 an niemanden weiter, auch nicht am Telefon. Wenn Sie diese E-Mail nicht erwartet haben, wenden Sie sich bitte an die Kita.</p>
            </div>
            <hr style="border:none;border-top:1px solid #ccc;margin:32px 0;">
            <div lang="en">
            <p>Hello {H(guardian)},</p>
            <p>{H(facility)} has set up the KitaLink app for you. To link {H(child)} to your parent account you receive two PINs: PIN&nbsp;1 is in the letter the daycare gives you, PIN&nbsp;2 is in this email.</p>
            <p style="margin:24px 0 4px 0;">Your PIN&nbsp;2:</p>
            {PinBlock(pin2)}
            <p>Valid until <strong>{H(expiresEn)}</strong>.</p>
            <p style="margin-bottom:4px;"><strong>What to do:</strong></p>
            <ol style="margin-top:0;">
            <li>Install the KitaLink app.</li>
            <li>Register with exactly this email address.</li>
            <li>Enter PIN&nbsp;1 from the daycare's letter.</li>
            <li>Enter PIN&nbsp;2 from this email.</li>
            </ol>
            <p>Already have a KitaLink account? Log in and add {H(child)} under “Add child” with PIN&nbsp;1 and PIN&nbsp;2.</p>
            <p style="color:#7a2e0e;"><strong>Important:</strong> daycare staff never see PIN&nbsp;2. Do not share PIN&nbsp;2 with anyone, not even on the phone. If you did not expect this email, please contact the daycare.</p>
            </div>
            """);

        return new MailContent(subject, text, html);
    }

    public OutboxMessageKind Kind => OutboxMessageKind.Pin2;

    /// <summary>
    /// PIN 2 mails whose PIN 2 can no longer be used: the pair is no longer pending, or a newer PIN 2 replaced
    /// this one. After an outage such a mail would only confuse the parent, so it is not sent.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, string>> WithdrawnAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var pairIds = messages
            .Where(m => m.PinPairId is not null)
            .Select(m => m.PinPairId!.Value)
            .Distinct()
            .ToList();
        if (pairIds.Count == 0)
        {
            return new Dictionary<Guid, string>();
        }
        var now = time.GetUtcNow();
        var current = await db.PinPairs.AsNoTracking()
            .Where(p => pairIds.Contains(p.Id))
            .Select(p => new { p.Id, p.State, p.ExpiresAt, p.Pin2MessageId })
            .ToDictionaryAsync(p => p.Id, cancellationToken);
        return messages
            .Where(m => m.PinPairId is { } pairId
                && current.TryGetValue(pairId, out var pair)
                && (pair.State != PinPairState.Pending
                    || pair.ExpiresAt <= now
                    || pair.Pin2MessageId != m.Id))
            .ToDictionary(m => m.Id, _ => SupersededReason);
    }

    public void Sent(OutboxMessage message)
    {
        Audit(message, AuditActions.Pin2Sent, new Dictionary<string, string>
        {
            ["attempts"] = message.Attempts.ToString(CultureInfo.InvariantCulture),
        });
        AnnounceDelivery(message, Pin2DeliveryOutcome.Sent);
    }

    public void Failed(OutboxMessage message, string reason, int? smtpStatus)
    {
        var data = new Dictionary<string, string>
        {
            ["reason"] = reason,
            ["attempts"] = message.Attempts.ToString(CultureInfo.InvariantCulture),
        };
        if (smtpStatus is { } status)
        {
            data["smtpStatus"] = status.ToString(CultureInfo.InvariantCulture);
        }
        Audit(message, AuditActions.Pin2Failed, data);
        AnnounceDelivery(message, Pin2DeliveryOutcome.Failed, reason, smtpStatus);
    }

    /// <summary>
    /// The one place where a delivery outcome of a PIN 2 mail becomes a webhook event (<c>pin2_mail.*</c>), in the
    /// caller's DbContext so it commits with the recorded outcome. Bounce and delay reports call it too.
    /// </summary>
    public void AnnounceDelivery(OutboxMessage message, Pin2DeliveryOutcome outcome, string? reason = null, int? smtpStatus = null)
    {
        if (message.FacilityId is not { } facilityId || message.ChildId is not { } childId || message.GuardianId is not { } guardianId)
        {
            return;
        }
        var type = outcome switch
        {
            Pin2DeliveryOutcome.Sent => WebhookEventTypes.Pin2MailSent,
            Pin2DeliveryOutcome.Failed => WebhookEventTypes.Pin2MailFailed,
            Pin2DeliveryOutcome.Bounced => WebhookEventTypes.Pin2MailBounced,
            Pin2DeliveryOutcome.Deferred => WebhookEventTypes.Pin2MailDeferred,
            _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
        };
        // A server's reply may quote the guardian's address: the operator's endpoints get the status only.
        webhooks.Raise(type, facilityId,
            new Pin2MailEventData(childId, guardianId, message.PinPairId, message.Id, message.Attempts, reason, smtpStatus),
            reason is null ? null : new Pin2MailEventData(childId, guardianId, message.PinPairId, message.Id, message.Attempts, null, smtpStatus));
    }

    private void Audit(OutboxMessage message, string action, Dictionary<string, string> data) =>
        audit.RecordPairEvent(action, message.FacilityId, message.ChildId, message.GuardianId, message.PinPairId, data);
}
