namespace KitaLink.Api.Webhooks;

public enum WebhookEndpointStatus
{
    /// <summary>Receives the events it subscribes to.</summary>
    Active,
    /// <summary>Switched off, by an admin or after persistent failure; receives nothing until enabled again.</summary>
    Disabled,
}

/// <summary>
/// A URL an integrator registered to receive events: of one facility (a facility admin's endpoint) or of every
/// facility (an operator's endpoint, <see cref="FacilityId"/> null). The signing secret is kept encrypted with
/// Data Protection; it is shown in clear only in the answer that created or rotated it.
/// </summary>
public sealed class WebhookEndpoint
{
    private WebhookEndpoint() { }

    public WebhookEndpoint(Guid? facilityId, string url, IEnumerable<string> eventTypes, string? description, string protectedSecret, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        FacilityId = facilityId;
        Url = url;
        EventTypes = eventTypes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        Description = description;
        ProtectedSecret = protectedSecret;
        Status = WebhookEndpointStatus.Active;
        CreatedAt = now;
        UpdatedAt = now;
    }

    public Guid Id { get; private set; }

    /// <summary>The facility whose events the endpoint receives; null: every facility (operator).</summary>
    public Guid? FacilityId { get; private set; }

    public string Url { get; private set; } = "";
    public string[] EventTypes { get; private set; } = [];
    public string? Description { get; private set; }

    /// <summary>The <c>whsec_</c> secret, encrypted with Data Protection.</summary>
    public string ProtectedSecret { get; private set; } = "";

    public WebhookEndpointStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public DateTimeOffset? DisabledAt { get; private set; }

    /// <summary>Why the endpoint was disabled: by whom, or the last failure that made KitaLink give up.</summary>
    public string? DisabledReason { get; private set; }

    /// <summary>Start of the current run of failed attempts; null after a success.</summary>
    public DateTimeOffset? FailingSince { get; private set; }

    public DateTimeOffset? LastSuccessAt { get; private set; }

    public void Change(string? url, IEnumerable<string>? eventTypes, string? description, DateTimeOffset now)
    {
        if (url is not null)
        {
            Url = url;
        }
        if (eventTypes is not null)
        {
            EventTypes = eventTypes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        }
        if (description is not null)
        {
            Description = description.Length == 0 ? null : description;
        }
        UpdatedAt = now;
    }

    public void RotateSecret(string protectedSecret, DateTimeOffset now)
    {
        ProtectedSecret = protectedSecret;
        UpdatedAt = now;
    }

    /// <summary>Enabled again: a new start, so earlier failures no longer count towards disabling it.</summary>
    public void Enable(DateTimeOffset now)
    {
        Status = WebhookEndpointStatus.Active;
        DisabledAt = null;
        DisabledReason = null;
        FailingSince = null;
        UpdatedAt = now;
    }

    public void Disable(string reason, DateTimeOffset now)
    {
        if (Status == WebhookEndpointStatus.Disabled)
        {
            return;
        }
        Status = WebhookEndpointStatus.Disabled;
        DisabledAt = now;
        DisabledReason = reason;
        UpdatedAt = now;
    }

    public void RecordSuccess(DateTimeOffset now)
    {
        FailingSince = null;
        LastSuccessAt = now;
    }

    public void RecordFailure(DateTimeOffset now) => FailingSince ??= now;

    /// <summary>
    /// A delivery gave up after its whole retry period. When nothing reached the endpoint since that delivery
    /// began, the endpoint has failed persistently and is disabled; a success in between shows it works.
    /// </summary>
    public bool DisableWhenFailingSince(DateTimeOffset retryFrom, string lastError, DateTimeOffset now)
    {
        if (Status != WebhookEndpointStatus.Active || FailingSince is not { } since || since > retryFrom)
        {
            return false;
        }
        Disable($"No delivery succeeded since {since:O}; last error: {lastError}", now);
        return true;
    }

    public bool Subscribes(string eventType) => EventTypes.Contains(eventType, StringComparer.Ordinal);
}
