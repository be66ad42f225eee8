using System.Text.Json;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Security;
using Npgsql;

namespace KitaLink.Api.Audit;

/// <summary>
/// Adds audit events to the current DbContext, so they commit (or roll back) together with the change
/// they describe. The actor and client address come from the current request.
/// </summary>
public sealed class AuditTrail(KitaLinkDbContext db, IHttpContextAccessor httpContextAccessor, TimeProvider time)
{
    public AuditEvent Record(string action, Action<AuditEvent>? describe = null, IReadOnlyDictionary<string, string>? data = null)
    {
        var auditEvent = Describe(action, describe, data);
        db.AuditEvents.Add(auditEvent);
        return auditEvent;
    }

    /// <summary>
    /// The event <see cref="Record"/> would add, not added: for a hot path that writes it with
    /// <see cref="InsertCommand"/> in its own batch (and counts it with <c>KitaLinkMetrics.AuditEvent</c> after commit).
    /// </summary>
    public AuditEvent Describe(string action, Action<AuditEvent>? describe = null, IReadOnlyDictionary<string, string>? data = null)
    {
        var http = httpContextAccessor.HttpContext;
        var user = http?.User;
        var (actorType, actorId) = user?.Identity?.IsAuthenticated == true
            ? (user.Role() == Roles.Parent ? AuditActorType.Parent : AuditActorType.Staff, (Guid?)user.UserId())
            : (http is null ? AuditActorType.System : AuditActorType.Anonymous, null);
        var auditEvent = new AuditEvent(action, actorType, actorId, time.GetUtcNow())
        {
            ClientAddress = http is null ? null : ClientAddress.Of(http),
            Data = data is null ? null : JsonSerializer.Serialize(data),
        };
        describe?.Invoke(auditEvent);
        return auditEvent;
    }

    /// <summary>The INSERT of <paramref name="auditEvent"/> into <c>audit_events</c>, the columns EF Core writes for it.</summary>
    public static NpgsqlBatchCommand InsertCommand(AuditEvent auditEvent)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO audit_events (occurred_at, action, actor_type, actor_id, actor_name, facility_id, child_id, guardian_id,
                                      account_id, pin_pair_id, client_address, data)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = auditEvent.OccurredAt });
        command.Parameters.Add(new NpgsqlParameter { Value = auditEvent.Action });
        command.Parameters.Add(new NpgsqlParameter { Value = SnakeCaseEnumConverter<AuditActorType>.Name(auditEvent.ActorType) });
        foreach (var value in new object?[] { auditEvent.ActorId, auditEvent.ActorName, auditEvent.FacilityId, auditEvent.ChildId,
            auditEvent.GuardianId, auditEvent.AccountId, auditEvent.PinPairId, auditEvent.ClientAddress, auditEvent.Data })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        return command;
    }
}
