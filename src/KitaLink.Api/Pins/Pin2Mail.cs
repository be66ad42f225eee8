using System.Globalization;
using System.Text;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Webhooks;
using Microsoft.EntityFrameworkCore;
using static KitaLink.Api.Infrastructure.Email.MailTemplates;

namespace KitaLink.Api.Pins;

/// <summary>
/// What the PIN 2 email says. Holds PIN 2, never PIN 1. <c>Language</c> is the guardian's preferred
/// language (<see cref="FamilyLanguages"/>); null means German and English.
/// </summary>
public sealed record Pin2MailModel(
    string GuardianName,
    string ChildFirstName,
    string FacilityName,
    string Pin2Formatted,
    DateTimeOffset ExpiresAt,
    string? Language = null);

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
    /// The PIN 2 mail in two languages (<see cref="FamilyLanguages.MailLanguagesFor"/>): the family's language
    /// first, German second. The letter carries PIN 1 on paper; this mail carries only PIN 2, so neither the
    /// letter nor the mailbox alone is enough to link the child.
    /// </summary>
    public static MailContent Content(Pin2MailModel model)
    {
        var facility = OneLine(model.FacilityName);
        var languages = FamilyLanguages.MailLanguagesFor(model.Language).Select(FamilyLanguages.Texts).ToList();
        var first = languages[0];
        var second = languages[1];
        var subject = Subject(
            FamilyTexts.Fill(first.MailSubject, Values(model, first)) + " / "
            + FamilyTexts.Fill(second.MailSubject, Values(model, second)).Replace($" ({facility})", "", StringComparison.Ordinal));

        var text = new StringBuilder();
        var html = new StringBuilder();
        for (var i = 0; i < languages.Count; i++)
        {
            if (i > 0)
            {
                text.AppendLine().AppendLine(Separator).AppendLine();
                html.AppendLine("""<hr style="border:none;border-top:1px solid #ccc;margin:32px 0;">""");
            }
            AppendText(text, model, languages[i]);
            AppendHtml(html, model, languages[i]);
        }
        return new MailContent(subject, text.ToString(), Html(first.Code, subject, html.ToString()));
    }

    private static Dictionary<string, string> Values(Pin2MailModel model, FamilyTexts texts) => new()
    {
        ["guardian"] = OneLine(model.GuardianName),
        ["child"] = OneLine(model.ChildFirstName),
        ["facility"] = OneLine(model.FacilityName),
        ["expires"] = texts.DateTime(model.ExpiresAt),
    };

    private static void AppendText(StringBuilder text, Pin2MailModel model, FamilyTexts t)
    {
        var values = Values(model, t);
        string F(string template) => FamilyTexts.Fill(template, values);
        text.AppendLine(F(t.MailGreeting))
            .AppendLine()
            .AppendLine(F(t.MailIntro))
            .AppendLine()
            .AppendLine(t.MailPin2Label)
            .AppendLine()
            .AppendLine($"    {model.Pin2Formatted}")
            .AppendLine()
            .AppendLine(F(t.MailValidUntil))
            .AppendLine()
            .AppendLine(t.MailStepsTitle);
        for (var i = 0; i < t.MailSteps.Length; i++)
        {
            text.AppendLine($"{i + 1}. {F(t.MailSteps[i])}");
        }
        text.AppendLine(F(t.MailExistingAccount))
            .AppendLine()
            .AppendLine($"{t.MailImportantLabel} {F(t.MailImportant)}");
    }

    private static void AppendHtml(StringBuilder html, Pin2MailModel model, FamilyTexts t)
    {
        var values = Values(model, t);
        // Every typed value is encoded; "PIN 1"/"PIN 2" keep together on narrow screens.
        string F(string template) => H(FamilyTexts.Fill(template, values)).Replace("PIN ", "PIN&nbsp;", StringComparison.Ordinal);
        html.AppendLine($"""<div lang="{t.Code}">""")
            .AppendLine($"<p>{F(t.MailGreeting)}</p>")
            .AppendLine($"<p>{F(t.MailIntro)}</p>")
            .AppendLine($"""<p style="margin:24px 0 4px 0;">{F(t.MailPin2Label)}</p>""")
            .AppendLine(PinBlock(model.Pin2Formatted))
            .AppendLine($"<p>{F(t.MailValidUntil)}</p>")
            .AppendLine($"""<p style="margin-bottom:4px;"><strong>{F(t.MailStepsTitle)}</strong></p>""")
            .AppendLine("""<ol style="margin-top:0;">""");
        foreach (var step in t.MailSteps)
        {
            html.AppendLine($"<li>{F(step)}</li>");
        }
        html.AppendLine("</ol>")
            .AppendLine($"<p>{F(t.MailExistingAccount)}</p>")
            .AppendLine($"""<p style="color:#7a2e0e;"><strong>{F(t.MailImportantLabel)}</strong> {F(t.MailImportant)}</p>""")
            .AppendLine("</div>");
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

    /// <summary>
    /// A bounce, deferral or delivery report of a PIN 2 mail: in the child's audit trail, and for bounces and
    /// deferrals as <c>pin2_mail.bounced</c> / <c>pin2_mail.deferred</c> with the enhanced status code and the
    /// remote server's text as the reason.
    /// </summary>
    public void Reported(OutboxMessage message, MailDeliveryEvent deliveryEvent)
    {
        var data = new Dictionary<string, string>
        {
            ["source"] = deliveryEvent.Source,
            ["messageId"] = message.Id.ToString(),
        };
        if (deliveryEvent.Reason is { } reason)
        {
            data["reason"] = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(reason.ToString());
        }
        if (deliveryEvent.StatusCode is { } code)
        {
            data["statusCode"] = code;
        }
        if (deliveryEvent.Detail is { } detail)
        {
            data["detail"] = detail;
        }
        var action = deliveryEvent.Outcome switch
        {
            MailDeliveryOutcome.Delivered => AuditActions.Pin2Delivered,
            MailDeliveryOutcome.Deferred => AuditActions.Pin2Deferred,
            _ => AuditActions.Pin2Bounced,
        };
        Audit(message, action, data);
        if (deliveryEvent.Outcome is MailDeliveryOutcome.Bounced or MailDeliveryOutcome.Deferred)
        {
            var outcome = deliveryEvent.Outcome == MailDeliveryOutcome.Bounced ? Pin2DeliveryOutcome.Bounced : Pin2DeliveryOutcome.Deferred;
            var words = deliveryEvent.Detail ?? data.GetValueOrDefault("reason");
            var serverReason = string.Join(' ', new[] { deliveryEvent.StatusCode, words }.Where(w => !string.IsNullOrWhiteSpace(w)));
            AnnounceDelivery(message, outcome, serverReason.Length == 0 ? null : serverReason);
        }
    }

    private void Audit(OutboxMessage message, string action, Dictionary<string, string> data) =>
        audit.RecordPairEvent(action, message.FacilityId, message.ChildId, message.GuardianId, message.PinPairId, data);
}
