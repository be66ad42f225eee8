namespace KitaLink.Api.Audit;

public enum AuditActorType
{
    Staff,
    Parent,
    System,
    Anonymous,
}

/// <summary>
/// One entry of the audit trail: who did what, when, to what, and from which client address.
/// Never holds a secret (PIN, password, token); emails appear only where staff may see them anyway.
/// </summary>
public sealed class AuditEvent
{
    private AuditEvent() { }

    public AuditEvent(string action, AuditActorType actorType, Guid? actorId, DateTimeOffset now)
    {
        Action = action;
        ActorType = actorType;
        ActorId = actorId;
        OccurredAt = now;
    }

    public long Id { get; private set; }
    public DateTimeOffset OccurredAt { get; private set; }

    /// <summary>Dotted action name, see <see cref="AuditActions"/>.</summary>
    public string Action { get; private set; } = "";

    public AuditActorType ActorType { get; private set; }
    public Guid? ActorId { get; private set; }
    public string? ActorName { get; set; }
    public Guid? FacilityId { get; set; }
    public Guid? ChildId { get; set; }
    public Guid? GuardianId { get; set; }
    public Guid? AccountId { get; set; }
    public Guid? PinPairId { get; set; }
    public string? ClientAddress { get; set; }

    /// <summary>Non-secret details as a JSON object, e.g. the failure reason of a mail or the old and new email.</summary>
    public string? Data { get; set; }
}
