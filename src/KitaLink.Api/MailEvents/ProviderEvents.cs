using System.Text.Json;
using KitaLink.Api.Infrastructure.Email;

namespace KitaLink.Api.MailEvents;

/// <summary>What a provider's request carried: reports to record, how many events were of no interest, or why it is malformed.</summary>
public sealed record ProviderEventBatch(IReadOnlyList<MailDeliveryReport> Reports, int Ignored, string? Error = null, Uri? SubscribeUrl = null)
{
    public static ProviderEventBatch Invalid(string error) => new([], 0, error);
}

/// <summary>Reads one provider's documented event format into delivery reports.</summary>
public interface IProviderEvents
{
    /// <summary>The <c>{provider}</c> of the route.</summary>
    string Name { get; }

    ProviderCredentials Credentials(BounceOptions options);

    ProviderEventBatch Read(JsonElement body, BounceOptions options);
}

/// <summary>Helpers shared by the provider formats.</summary>
internal static class ProviderJson
{
    public static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static JsonElement? Object(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    public static DateTimeOffset? Time(JsonElement element, string name) =>
        Text(element, name) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    /// <summary>The outbox id in our Message-ID (<c>&lt;{id:N}@domain&gt;</c>), if the value is one of ours.</summary>
    public static Guid? OutboxIdOf(string? messageId)
    {
        var local = messageId?.Trim().Trim('<', '>').Split('@')[0];
        return local is { Length: 32 } && Guid.TryParseExact(local, "N", out var id) ? id : null;
    }
}

/// <summary>
/// Amazon SES notifications as an SNS HTTPS subscription posts them: an SNS envelope (<c>Type</c> <c>Notification</c>,
/// its <c>Message</c> the SES notification as a JSON string; <c>SubscriptionConfirmation</c> once when the subscription
/// is made). Bounce (<c>Permanent</c> → bounced, <c>Transient</c> → deferred), <c>Delivery</c> and <c>DeliveryDelay</c>
/// are recorded; complaints and other events are acknowledged and ignored. Both SES notification formats are read
/// (<c>notificationType</c> of identity notifications, <c>eventType</c> of configuration-set event publishing). The mail
/// is found by its return path (<c>mail.source</c>) or our Message-ID (<c>mail.commonHeaders.messageId</c>).
/// </summary>
public sealed class SesEvents : IProviderEvents
{
    public string Name => "ses";

    public ProviderCredentials Credentials(BounceOptions options) => options.Ses;

    public ProviderEventBatch Read(JsonElement body, BounceOptions options)
    {
        var type = ProviderJson.Text(body, "Type");
        var snsId = ProviderJson.Text(body, "MessageId");
        if (type is null || string.IsNullOrEmpty(snsId))
        {
            return ProviderEventBatch.Invalid("An SNS message with Type and MessageId is expected.");
        }
        if (type == "SubscriptionConfirmation")
        {
            return Uri.TryCreate(ProviderJson.Text(body, "SubscribeURL"), UriKind.Absolute, out var url)
                ? new ProviderEventBatch([], 1, SubscribeUrl: url)
                : ProviderEventBatch.Invalid("SubscriptionConfirmation without a SubscribeURL.");
        }
        if (type != "Notification")
        {
            return new ProviderEventBatch([], 1);
        }
        JsonElement notification;
        try
        {
            using var document = JsonDocument.Parse(ProviderJson.Text(body, "Message") ?? "");
            notification = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return ProviderEventBatch.Invalid("Message must be the SES notification as a JSON string.");
        }
        var kind = ProviderJson.Text(notification, "notificationType") ?? ProviderJson.Text(notification, "eventType");
        if (kind is null || ProviderJson.Object(notification, "mail") is not { } mail)
        {
            return ProviderEventBatch.Invalid("The SES notification needs notificationType (or eventType) and mail.");
        }
        var token = options.TokenOf(ProviderJson.Text(mail, "source"));
        var outboxId = ProviderJson.Object(mail, "commonHeaders") is { } common ? ProviderJson.OutboxIdOf(ProviderJson.Text(common, "messageId")) : null;
        var key = $"{kind}:{snsId}";

        MailDeliveryReport? report = kind switch
        {
            "Bounce" when ProviderJson.Object(notification, "bounce") is { } bounce => FromRecipients(bounce, "bouncedRecipients",
                ProviderJson.Text(bounce, "bounceType") == "Transient" ? "delayed" : "failed",
                $"{ProviderJson.Text(bounce, "bounceType")} / {ProviderJson.Text(bounce, "bounceSubType")}",
                key, token, outboxId, ProviderJson.Time(bounce, "timestamp")),
            "DeliveryDelay" when ProviderJson.Object(notification, "deliveryDelay") is { } delay => FromRecipients(delay, "delayedRecipients", "delayed",
                ProviderJson.Text(delay, "delayType"), key, token, outboxId, ProviderJson.Time(delay, "timestamp")),
            "Delivery" when ProviderJson.Object(notification, "delivery") is { } delivery => MailDeliveryReport.Classify(Name, key, token, outboxId,
                null, "delivered", ProviderJson.Text(delivery, "smtpResponse"), ProviderJson.Time(delivery, "timestamp")),
            "Bounce" or "DeliveryDelay" or "Delivery" => null,
            _ => Ignored,
        };
        if (ReferenceEquals(report, Ignored))
        {
            return new ProviderEventBatch([], 1);
        }
        return report is null ? ProviderEventBatch.Invalid($"The {kind} notification lacks its details.") : new ProviderEventBatch([report], 0);
    }

    private static readonly MailDeliveryReport Ignored = new("", "", null, null, default, default, null, null, null);

    private MailDeliveryReport FromRecipients(
        JsonElement details, string listName, string action, string? fallbackText, string key, string? token, Guid? outboxId, DateTimeOffset? at)
    {
        JsonElement? recipient = details.TryGetProperty(listName, out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
            ? list[0]
            : null;
        var code = recipient is { } r ? MailDeliveryClassifier.StatusCodeIn(ProviderJson.Text(r, "status")) : null;
        var text = (recipient is { } d ? ProviderJson.Text(d, "diagnosticCode") : null) ?? fallbackText;
        return MailDeliveryReport.Classify(Name, key, token, outboxId, code, action, text, at);
    }
}

/// <summary>
/// Postmark webhooks: <c>RecordType</c> <c>Bounce</c> (hard bounces and blocks → bounced, soft bounces and transient
/// failures → deferred, auto-responders ignored) and <c>Delivery</c>. Postmark replaces the return path with its own,
/// so the mail is found by the metadata KitaLink sets on it (<c>X-PM-Metadata-kitalink-token</c>, returned as
/// <c>Metadata.kitalink-token</c>) or our Message-ID when Postmark passes it on.
/// </summary>
public sealed class PostmarkEvents : IProviderEvents
{
    /// <summary>The metadata key of the return-path token on every message when Postmark is configured.</summary>
    public const string MetadataKey = "kitalink-token"; // BounceOptions.PostmarkMetadataHeader without "X-PM-Metadata-"

    private static readonly HashSet<string> s_hard = ["HardBounce", "BadEmailAddress", "SpamNotification", "Blocked", "VirusNotification", "ManuallyDeactivated", "AddressChange", "ContentRelated", "Unknown"];
    private static readonly HashSet<string> s_soft = ["SoftBounce", "Transient", "DnsError", "SMTPApiError"];

    public string Name => "postmark";

    public ProviderCredentials Credentials(BounceOptions options) => options.Postmark;

    public ProviderEventBatch Read(JsonElement body, BounceOptions options)
    {
        var recordType = ProviderJson.Text(body, "RecordType");
        if (recordType is null)
        {
            return ProviderEventBatch.Invalid("A Postmark webhook with RecordType is expected.");
        }
        var token = ProviderJson.Object(body, "Metadata") is { } metadata ? ProviderJson.Text(metadata, MetadataKey) : null;
        var outboxId = ProviderJson.OutboxIdOf(ProviderJson.Text(body, "MessageID"));
        switch (recordType)
        {
            case "Bounce":
                {
                    var type = ProviderJson.Text(body, "Type");
                    var id = body.TryGetProperty("ID", out var idElement) && idElement.ValueKind is JsonValueKind.Number or JsonValueKind.String ? idElement.ToString() : null;
                    if (type is null || id is null)
                    {
                        return ProviderEventBatch.Invalid("A Postmark bounce needs ID and Type.");
                    }
                    if (!s_hard.Contains(type) && !s_soft.Contains(type))
                    {
                        return new ProviderEventBatch([], 1); // AutoResponder, Subscribe, Unsubscribe, ChallengeVerification, ...
                    }
                    var text = ProviderJson.Text(body, "Details") is { Length: > 0 } details ? details : ProviderJson.Text(body, "Description");
                    var report = MailDeliveryReport.Classify(Name, $"bounce:{id}", token, outboxId, null,
                        s_soft.Contains(type) ? "delayed" : "failed", text, ProviderJson.Time(body, "BouncedAt"));
                    // Postmark's own type is more precise than a generic text for these.
                    report = type switch
                    {
                        "SpamNotification" or "Blocked" or "VirusNotification" => report with { Reason = MailDeliveryReason.Blocked },
                        "BadEmailAddress" => report with { Reason = MailDeliveryReason.AddressUnknown },
                        "DnsError" when report.Reason == MailDeliveryReason.TemporaryFailure => report with { Reason = MailDeliveryReason.DomainUnknown },
                        _ => report,
                    };
                    return new ProviderEventBatch([report], 0);
                }
            case "Delivery":
                {
                    var messageId = ProviderJson.Text(body, "MessageID");
                    if (string.IsNullOrEmpty(messageId))
                    {
                        return ProviderEventBatch.Invalid("A Postmark delivery needs MessageID.");
                    }
                    return new ProviderEventBatch([MailDeliveryReport.Classify(Name, $"delivery:{messageId}:{ProviderJson.Text(body, "Recipient")}", token, outboxId,
                    null, "delivered", ProviderJson.Text(body, "Details"), ProviderJson.Time(body, "DeliveredAt"))], 0);
                }
            default:
                return new ProviderEventBatch([], 1); // Open, Click, SpamComplaint, SubscriptionChange
        }
    }
}
