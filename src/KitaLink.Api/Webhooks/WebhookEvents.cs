using System.Text.Json;
using KitaLink.Api.Infrastructure.Data;

namespace KitaLink.Api.Webhooks;

/// <summary>
/// Writes webhook events into the caller's DbContext, so an event commits with the change that caused it or
/// not at all (the webhook outbox). The sender fans it out to the subscribed endpoints afterwards.
/// </summary>
public sealed class WebhookEvents(KitaLinkDbContext db, TimeProvider time)
{
    /// <summary>The JSON shape of every payload (camelCase, as the API).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Adds an event. <paramref name="operatorData"/> is the data without personal data, for the operator's
    /// all-facility endpoints, when it differs from <paramref name="data"/>.
    /// </summary>
    public WebhookEvent Raise<TData>(string type, Guid facilityId, TData data, TData? operatorData = default, DateTimeOffset? occurredAt = null)
        where TData : class
    {
        var webhookEvent = Create(type, facilityId, data, operatorData, occurredAt ?? time.GetUtcNow());
        db.WebhookEvents.Add(webhookEvent);
        return webhookEvent;
    }

    public static WebhookEvent Create<TData>(string type, Guid? facilityId, TData data, TData? operatorData, DateTimeOffset occurredAt)
        where TData : class
    {
        var id = Guid.CreateVersion7(occurredAt);
        var payload = Serialize(id, type, facilityId, data, occurredAt);
        var operatorPayload = operatorData is null ? null : Serialize(id, type, facilityId, operatorData, occurredAt);
        return new WebhookEvent(id, type, facilityId, occurredAt, payload, operatorPayload);
    }

    public static string MessageId(Guid eventId) => $"evt_{eventId:N}";

    private static string Serialize<TData>(Guid id, string type, Guid? facilityId, TData data, DateTimeOffset occurredAt) =>
        JsonSerializer.Serialize(
            new WebhookEventPayload<TData>(MessageId(id), type, WebhookEventTypes.PayloadVersion, occurredAt, facilityId, data), Json);
}
