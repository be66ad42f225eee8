using System.Text.Json.Serialization;

namespace KitaLink.Api.Webhooks;

/// <summary>
/// The body of every webhook request. <c>id</c> equals the <c>webhook-id</c> header and stays the same across
/// retries and replays (de-duplicate by it); <c>timestamp</c> is when it happened; <c>version</c> is the payload
/// version. Never carries a PIN, password or token.
/// </summary>
public sealed record WebhookEventPayload<TData>(
    string Id,
    string Type,
    int Version,
    DateTimeOffset Timestamp,
    Guid? FacilityId,
    TData Data);

/// <summary>
/// <c>pin_pair.*</c>: the pair and whom it belongs to. <c>expiresAt</c> on <c>created</c> and <c>expired</c>; <c>reason</c>
/// on <c>revoked</c> (<c>replaced</c>, <c>revoked_by_staff</c>, <c>email_changed</c>); <c>failedAttempts</c> on <c>locked</c>.
/// </summary>
public sealed record PinPairEventData(
    Guid ChildId,
    Guid GuardianId,
    Guid PinPairId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ExpiresAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? FailedAttempts = null);

/// <summary>
/// <c>pin2_mail.*</c>: the PIN 2 mail of a pair (never its content). <c>reason</c> (the mail server's reply) and
/// <c>smtpStatus</c> on <c>failed</c>, <c>bounced</c> and <c>deferred</c>.
/// </summary>
public sealed record Pin2MailEventData(
    Guid ChildId,
    Guid GuardianId,
    Guid? PinPairId,
    Guid MessageId,
    int Attempts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? SmtpStatus = null);

/// <summary>
/// <c>guardian.linked</c>: a parent account linked the child with this guardian's PINs. <c>accountEmail</c> (the
/// address the parent registered with, as staff see it in the help desk view) only for the facility's own
/// endpoints; endpoints of the operator get no personal data.
/// </summary>
public sealed record GuardianLinkedData(
    Guid ChildId,
    Guid GuardianId,
    Guid PinPairId,
    Guid AccountId,
    Guid LinkId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AccountEmail = null);

/// <summary><c>child_link.archived</c>: the parent's link to the child record of the facility that the child left.</summary>
public sealed record ChildLinkArchivedData(Guid ChildId, Guid GuardianId, Guid AccountId, Guid LinkId, Guid ReplacedByChildId);

/// <summary>
/// <c>guardian.email_changed</c>: <c>email</c> and <c>previousEmail</c> only for the facility's own endpoints;
/// <c>pinPairRevoked</c> when a pending pair was revoked with the change.
/// </summary>
public sealed record GuardianEmailChangedData(
    Guid ChildId,
    Guid GuardianId,
    bool PinPairRevoked,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Email = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PreviousEmail = null);

/// <summary><c>webhook.test</c>: sent on request to check the endpoint and its signature verification.</summary>
public sealed record WebhookTestData(Guid WebhookId, string Message);
