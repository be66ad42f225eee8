namespace KitaLink.Api.Webhooks;

/// <summary>The event types integrators can subscribe to (stable names, part of the contract) and what each means.</summary>
public static class WebhookEventTypes
{
    public const string PinPairCreated = "pin_pair.created";
    public const string PinPairRevoked = "pin_pair.revoked";
    public const string PinPairLocked = "pin_pair.locked";
    public const string PinPairExpired = "pin_pair.expired";
    public const string Pin2MailSent = "pin2_mail.sent";
    public const string Pin2MailFailed = "pin2_mail.failed";
    public const string Pin2MailBounced = "pin2_mail.bounced";
    public const string Pin2MailDeferred = "pin2_mail.deferred";
    public const string GuardianLinked = "guardian.linked";
    public const string ChildLinkArchived = "child_link.archived";
    public const string GuardianEmailChanged = "guardian.email_changed";

    /// <summary>Sent on request to one endpoint only (<c>POST .../test</c>); not subscribable.</summary>
    public const string WebhookTest = "webhook.test";

    /// <summary>The version of every payload shape; a change that is not an addition gets a new version.</summary>
    public const int PayloadVersion = 1;

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        [PinPairCreated] = "Staff created a PIN pair for a guardian (the PIN 2 mail is queued in the same moment).",
        [PinPairRevoked] = "A pending PIN pair was revoked: replaced by a new pair, revoked by staff, or the guardian's email changed (`reason`).",
        [PinPairLocked] = "A PIN pair locked after too many failed attempts; staff must create a new pair.",
        [PinPairExpired] = "A PIN pair reached its expiry without being redeemed.",
        [Pin2MailSent] = "The PIN 2 mail was accepted by the first mail server.",
        [Pin2MailFailed] = "The PIN 2 mail could not be delivered (permanent SMTP error, out of retries, or withdrawn); `reason` holds the server's reply.",
        [Pin2MailBounced] = "The PIN 2 mail bounced after the first mail server accepted it.",
        [Pin2MailDeferred] = "Delivery of the PIN 2 mail is delayed; the mail system keeps trying.",
        [GuardianLinked] = "A parent redeemed the guardian's PINs and the child is now linked to the parent's account.",
        [ChildLinkArchived] = "A child changed facility: the parent's link to the old child record was archived (kept as history).",
        [GuardianEmailChanged] = "Staff changed a guardian's email address (a pending PIN pair was revoked with it).",
    };

    /// <summary>The subscribable types, in catalog order.</summary>
    public static readonly IReadOnlyList<string> All = [.. Descriptions.Keys];

    public static bool IsSubscribable(string? type) => type is not null && Descriptions.ContainsKey(type);
}
