using KitaLink.Api.Infrastructure.Http;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Webhooks;

/// <summary>OpenAPI examples of webhook endpoints, their deliveries and the event payloads.</summary>
internal sealed class WebhooksExamples : IOpenApiExamples
{
    public static readonly Guid WebhookId = Guid.Parse("0193a5f6-1a2b-7c3d-8e4f-5a6b7c8d9e0f");
    public static readonly Guid DeliveryId = Guid.Parse("0193a5f6-2b3c-7d4e-9f50-6b7c8d9e0f1a");
    public static readonly Guid EventId = Guid.Parse("0193a5f4-5f61-7000-8000-9e0f1a2b3c4d");
    public static readonly Guid LinkId = Guid.Parse("0193a5f5-8293-74a5-b6c7-d8e9f0a1b2c3");
    public const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7oM2k3nU8bA=";
    public const string Url = "https://kita-verwaltung.example/kitalink/webhooks";

    private const string Cursor = "eyJMIjoid2ViaG9va3MiLCJQIjp7IkNyZWF0ZWRBdCI6IjIwMjYtMTEtMjBUMDk6MDA6MDArMDA6MDAiLCJJZCI6IjAxOTNhNWY2LTFhMmItN2MzZC04ZTRmLTVhNmI3YzhkOWUwZiJ9fQ";

    public static readonly WebhookResponse Webhook = new(WebhookId, FacilityId, Url,
        [WebhookEventTypes.GuardianLinked, WebhookEventTypes.Pin2MailFailed, WebhookEventTypes.PinPairCreated],
        "Kita-Verwaltung: Familien synchronisieren", WebhookEndpointStatus.Active, null, null, null, Registered.AddSeconds(1), ChildCreated, ChildCreated);

    public static readonly WebhookResponse Disabled = Webhook with
    {
        Status = WebhookEndpointStatus.Disabled,
        DisabledAt = PinsExpire,
        DisabledReason = "No delivery succeeded since 2026-12-07T09:15:00.0000000+00:00; last error: HTTP 503 answer: Service Unavailable",
        FailingSince = PinsExpire.AddDays(-1),
    };

    public static readonly WebhookDeliveryResponse Delivered = new(DeliveryId, WebhookEvents.MessageId(EventId), WebhookEventTypes.GuardianLinked,
        Registered, WebhookDeliveryStatus.Succeeded, 1, Registered.AddSeconds(1), 204, null, null, Registered.AddSeconds(1), Registered);

    public static readonly WebhookDeliveryResponse Retrying = new(Guid.Parse("0193a5f6-3c4d-7e5f-a061-7c8d9e0f1a2b"),
        WebhookEvents.MessageId(Guid.Parse("0193a5f4-6071-7000-8000-a0f1b2c3d4e5")), WebhookEventTypes.PinPairCreated, PinsCreated,
        WebhookDeliveryStatus.Pending, 3, PinsCreated.AddSeconds(31), null, "Connection failed: Connection refused (kita-verwaltung.example:443)",
        PinsCreated.AddSeconds(71), null, PinsCreated);

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Requests[typeof(CreateWebhookRequest)] = new CreateWebhookRequest(Url,
            [WebhookEventTypes.PinPairCreated, WebhookEventTypes.Pin2MailFailed, WebhookEventTypes.GuardianLinked], "Kita-Verwaltung: Familien synchronisieren");
        examples.Requests[typeof(UpdateWebhookRequest)] = new UpdateWebhookRequest(Enabled: true);
        examples.InvalidRequests[typeof(CreateWebhookRequest)] = new CreateWebhookRequest("https://10.0.0.12/hook", ["pin_pair.stolen"]);
        examples.InvalidRequests[typeof(UpdateWebhookRequest)] = new UpdateWebhookRequest(Url: "https://169.254.169.254/latest");
        examples.InvalidRequests[typeof(WebhookListQuery)] = new WebhookListQuery(0, null);
        examples.InvalidRequests[typeof(WebhookDeliveryListQuery)] = new WebhookDeliveryListQuery(500, null);
        examples.Responses[typeof(CreatedWebhookResponse)] = new CreatedWebhookResponse(Webhook, Secret);
        examples.Responses[typeof(WebhookResponse)] = Webhook;
        examples.Responses[typeof(WebhookSecretResponse)] = new WebhookSecretResponse(WebhookId, "whsec_q1dF0m3y8Pz7lT2cV5bN9xK4wR6sH0jA3eU7iO1gL8M=");
        examples.Responses[typeof(WebhookListResponse)] = new WebhookListResponse([Webhook, Disabled with { Id = Guid.Parse("0193a5f6-4d5e-7f60-b172-8d9e0f1a2b3c") }], Cursor);
        examples.Responses[typeof(WebhookDeliveryListResponse)] = new WebhookDeliveryListResponse([Delivered, Retrying], null);
        examples.Responses[typeof(WebhookDeliveryResponse)] = Retrying with
        {
            Id = Guid.Parse("0193a5f6-5e6f-7071-8283-9e0f1a2b3c4d"),
            EventId = WebhookEvents.MessageId(Guid.Parse("0193a5f6-5e6f-7000-8000-000000000001")),
            EventType = WebhookEventTypes.WebhookTest,
            OccurredAt = SiblingLinked,
            Attempts = 0,
            LastAttemptAt = null,
            LastError = null,
            NextAttemptAt = SiblingLinked,
            CreatedAt = SiblingLinked,
        };
        examples.ResponsesByOperation[("replayFacilityWebhookDelivery", 202)] = Delivered with
        {
            Status = WebhookDeliveryStatus.Pending,
            NextAttemptAt = SiblingLinked,
        };
        examples.ResponsesByOperation[("replayOperatorWebhookDelivery", 202)] = Delivered with
        {
            Status = WebhookDeliveryStatus.Pending,
            NextAttemptAt = SiblingLinked,
        };
        examples.Parameters["webhookId"] = WebhookId;
        examples.Parameters["deliveryId"] = DeliveryId;
    }

    /// <summary>An example body of each event type (the OpenAPI <c>webhooks</c> section and docs/integrators.md).</summary>
    public static object Payload(string type)
    {
        var id = WebhookEvents.MessageId(EventId);
        return type switch
        {
            WebhookEventTypes.PinPairCreated => Envelope(type, PinsCreated, new PinPairEventData(ChildId, GuardianId, PinPairId, ExpiresAt: PinsExpire)),
            WebhookEventTypes.PinPairRevoked => Envelope(type, PinsCreated.AddHours(2), new PinPairEventData(ChildId, GuardianId, PinPairId, Reason: "replaced")),
            WebhookEventTypes.PinPairLocked => Envelope(type, Registered, new PinPairEventData(ChildId, GuardianId, PinPairId, FailedAttempts: 5)),
            WebhookEventTypes.PinPairExpired => Envelope(type, PinsExpire, new PinPairEventData(ChildId, GuardianId, PinPairId, ExpiresAt: PinsExpire)),
            WebhookEventTypes.Pin2MailSent => Envelope(type, PinsCreated.AddSeconds(2), new Pin2MailEventData(ChildId, GuardianId, PinPairId, Pin2MessageId, 1)),
            WebhookEventTypes.Pin2MailFailed => Envelope(type, PinsCreated.AddSeconds(2), new Pin2MailEventData(ChildId, GuardianId, PinPairId, Pin2MessageId, 1,
                "550 5.1.1 <julia.schneider@example.com>: Recipient address rejected: User unknown", 550)),
            WebhookEventTypes.Pin2MailBounced => Envelope(type, PinsCreated.AddMinutes(3), new Pin2MailEventData(ChildId, GuardianId, PinPairId, Pin2MessageId, 1,
                "5.2.2 Mailbox full", 552)),
            WebhookEventTypes.Pin2MailDeferred => Envelope(type, PinsCreated.AddMinutes(3), new Pin2MailEventData(ChildId, GuardianId, PinPairId, Pin2MessageId, 1,
                "4.2.1 Try again later", 421)),
            WebhookEventTypes.GuardianLinked => Envelope(type, Registered, new GuardianLinkedData(ChildId, GuardianId, PinPairId, AccountId, LinkId, ParentEmail)),
            WebhookEventTypes.ChildLinkArchived => Envelope(type, SiblingLinked, new ChildLinkArchivedData(ChildId, GuardianId, AccountId, LinkId, SiblingId)),
            WebhookEventTypes.GuardianEmailChanged => Envelope(type, ChildCreated.AddDays(3), new GuardianEmailChangedData(ChildId, GuardianId, true,
                ParentEmail, "julia.schnieder@example.com")),
            WebhookEventTypes.WebhookTest => new WebhookEventPayload<WebhookTestData>(id, type, WebhookEventTypes.PayloadVersion, SiblingLinked, FacilityId,
                new WebhookTestData(WebhookId, "Test event sent on request. If you can verify its signature, the endpoint is set up right.")),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };

        WebhookEventPayload<T> Envelope<T>(string eventType, DateTimeOffset at, T data) =>
            new(id, eventType, WebhookEventTypes.PayloadVersion, at, FacilityId, data);
    }
}
