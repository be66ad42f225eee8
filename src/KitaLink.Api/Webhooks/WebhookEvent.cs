namespace KitaLink.Api.Webhooks;

/// <summary>
/// Something that happened in a facility, written in the same transaction as the change itself (the webhook
/// outbox). The sender later fans it out to the endpoints subscribed at that moment, one
/// <see cref="WebhookDelivery"/> each. <see cref="Payload"/> is the exact JSON body receivers get and sign-check.
/// </summary>
public sealed class WebhookEvent
{
    private WebhookEvent() { }

    public WebhookEvent(Guid id, string type, Guid? facilityId, DateTimeOffset occurredAt, string payload, string? operatorPayload = null)
    {
        Id = id;
        Type = type;
        FacilityId = facilityId;
        OccurredAt = occurredAt;
        Payload = payload;
        OperatorPayload = operatorPayload;
    }

    public Guid Id { get; private set; }
    public string Type { get; private set; } = "";
    /// <summary>The facility it happened in; null only for a test event of an operator endpoint.</summary>
    public Guid? FacilityId { get; private set; }
    public DateTimeOffset OccurredAt { get; private set; }

    /// <summary>The JSON body as sent (jsonb would reorder members and change what the signature covers, so text).</summary>
    public string Payload { get; private set; } = "";

    /// <summary>The body for the operator's all-facility endpoints, without personal data; null when it equals <see cref="Payload"/>.</summary>
    public string? OperatorPayload { get; private set; }

    /// <summary>The body an endpoint gets: the operator sees no personal data of a facility's families.</summary>
    public string PayloadFor(WebhookEndpoint endpoint) => endpoint.FacilityId is null ? OperatorPayload ?? Payload : Payload;

    /// <summary>When the sender made the deliveries of this event; null while it waits for that.</summary>
    public DateTimeOffset? FannedOutAt { get; private set; }

    /// <summary>The subject of an event that happens once per subject (a pair's expiry): unique per type across sweeping instances.</summary>
    public Guid? OnceFor { get; private set; }

    /// <summary>An event meant for one endpoint only (a test event): no fan-out.</summary>
    public void MarkFannedOut(DateTimeOffset now) => FannedOutAt = now;
}
