namespace KitaLink.Api.Webhooks;

/// <summary>
/// An endpoint. <c>status</c> is <c>active</c> or <c>disabled</c>; a disabled endpoint receives nothing, and
/// <c>disabledReason</c> says why (an admin, or persistent failure with the last error). <c>failingSince</c> is set
/// while recent attempts fail (nothing got through since then); <c>facilityId</c> is null for the operator's
/// endpoints of every facility. The secret is never shown again after creation or rotation.
/// </summary>
public sealed record WebhookResponse(
    Guid Id,
    Guid? FacilityId,
    string Url,
    IReadOnlyList<string> EventTypes,
    string? Description,
    WebhookEndpointStatus Status,
    DateTimeOffset? DisabledAt,
    string? DisabledReason,
    DateTimeOffset? FailingSince,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static WebhookResponse From(WebhookEndpoint e) =>
        new(e.Id, e.FacilityId, e.Url, e.EventTypes, e.Description, e.Status, e.DisabledAt, e.DisabledReason, e.FailingSince,
            e.LastSuccessAt, e.CreatedAt, e.UpdatedAt);
}

/// <summary>
/// A new endpoint with its signing secret (<c>whsec_</c> + base64 of 32 bytes). Store the secret now: it is
/// shown only in this answer (and after a rotation).
/// </summary>
public sealed record CreatedWebhookResponse(WebhookResponse Webhook, string Secret);

/// <summary>The endpoint's new signing secret; the old one stops working at once. Shown only in this answer.</summary>
public sealed record WebhookSecretResponse(Guid WebhookId, string Secret);

/// <summary>One page of endpoints; <c>nextCursor</c> is null on the last page.</summary>
public sealed record WebhookListResponse(IReadOnlyList<WebhookResponse> Items, string? NextCursor);

/// <summary>
/// One event for this endpoint. <c>status</c>: <c>pending</c> (not yet accepted; <c>nextAttemptAt</c> says when
/// it is tried, while the endpoint is active), <c>succeeded</c> (2xx) or <c>failed</c> (no 2xx within the retry
/// period). The last attempt: its time, the HTTP status when the receiver answered, the error otherwise.
/// </summary>
public sealed record WebhookDeliveryResponse(
    Guid Id,
    string EventId,
    string EventType,
    DateTimeOffset OccurredAt,
    WebhookDeliveryStatus Status,
    int Attempts,
    DateTimeOffset? LastAttemptAt,
    int? LastResponseStatus,
    string? LastError,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? SucceededAt,
    DateTimeOffset CreatedAt)
{
    public static WebhookDeliveryResponse From(WebhookDelivery d, WebhookEvent e) =>
        new(d.Id, WebhookEvents.MessageId(e.Id), e.Type, e.OccurredAt, d.Status, d.Attempts, d.LastAttemptAt, d.LastResponseStatus,
            d.LastError, d.Status == WebhookDeliveryStatus.Pending ? d.NextAttemptAt : null, d.SucceededAt, d.CreatedAt);
}

/// <summary>One page of an endpoint's deliveries, newest first; <c>nextCursor</c> is null on the last page.</summary>
public sealed record WebhookDeliveryListResponse(IReadOnlyList<WebhookDeliveryResponse> Items, string? NextCursor);
