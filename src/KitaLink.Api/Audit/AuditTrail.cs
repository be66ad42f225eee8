using System.Text.Json;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Security;

namespace KitaLink.Api.Audit;

/// <summary>
/// Adds audit events to the current DbContext, so they commit (or roll back) together with the change
/// they describe. The actor and client address come from the current request.
/// </summary>
public sealed class AuditTrail(KitaLinkDbContext db, IHttpContextAccessor httpContextAccessor, TimeProvider time)
{
    public AuditEvent Record(string action, Action<AuditEvent>? describe = null, IReadOnlyDictionary<string, string>? data = null)
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
        db.AuditEvents.Add(auditEvent);
        return auditEvent;
    }
}
