namespace KitaLink.Api.Webhooks;

public enum WebhookDeliveryStatus
{
    /// <summary>Not yet accepted by the receiver (includes failed attempts waiting for their retry).</summary>
    Pending,
    /// <summary>The receiver answered 2xx.</summary>
    Succeeded,
    /// <summary>No 2xx within the retry period; replay it to try again.</summary>
    Failed,
}

/// <summary>
/// One event for one endpoint: claimed under a lease by one sender instance at a time, retried with
/// exponential backoff, its last attempt recorded for the admin (status, response code, time).
/// </summary>
public sealed class WebhookDelivery
{
    private WebhookDelivery() { }

    public WebhookDelivery(Guid eventId, Guid endpointId, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        EventId = eventId;
        EndpointId = endpointId;
        Status = WebhookDeliveryStatus.Pending;
        CreatedAt = now;
        RetryFrom = now;
        NextAttemptAt = now;
    }

    public Guid Id { get; private set; }
    public Guid EventId { get; private set; }
    public Guid EndpointId { get; private set; }
    public WebhookDeliveryStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    /// <summary>Start of the retry period: creation, or the latest replay.</summary>
    public DateTimeOffset RetryFrom { get; private set; }

    public DateTimeOffset NextAttemptAt { get; private set; }
    public DateTimeOffset? LeasedUntil { get; private set; }
    public DateTimeOffset? LastAttemptAt { get; private set; }

    /// <summary>HTTP status of the last attempt, when the receiver answered.</summary>
    public int? LastResponseStatus { get; private set; }

    /// <summary>Why the last attempt failed (connection error, refused address, non-2xx answer).</summary>
    public string? LastError { get; private set; }

    public DateTimeOffset? SucceededAt { get; private set; }

    public WebhookEvent? Event { get; private set; }

    /// <summary>Sent again on request: due now, with a fresh retry period, under the same webhook-id (receivers de-duplicate by it).</summary>
    public void Replay(DateTimeOffset now)
    {
        Status = WebhookDeliveryStatus.Pending;
        RetryFrom = now;
        NextAttemptAt = now;
        LeasedUntil = null;
    }

    public void RecordSuccess(int responseStatus, DateTimeOffset now)
    {
        Attempts++;
        Status = WebhookDeliveryStatus.Succeeded;
        LastAttemptAt = now;
        LastResponseStatus = responseStatus;
        LastError = null;
        SucceededAt = now;
        LeasedUntil = null;
    }

    /// <summary>A failed attempt; without <paramref name="nextAttemptAt"/> the retry period is over and the delivery failed.</summary>
    public void RecordFailure(int? responseStatus, string error, DateTimeOffset now, DateTimeOffset? nextAttemptAt)
    {
        Attempts++;
        LastAttemptAt = now;
        LastResponseStatus = responseStatus;
        LastError = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        LeasedUntil = null;
        if (nextAttemptAt is { } next)
        {
            NextAttemptAt = next;
        }
        else
        {
            Status = WebhookDeliveryStatus.Failed;
        }
    }

    /// <summary>Handed back unsent (the round ran out of lease time): due again for the next round.</summary>
    public void Release() => LeasedUntil = null;

    public const int MaxErrorLength = 500;
}
