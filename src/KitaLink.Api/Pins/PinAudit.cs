using KitaLink.Api.Audit;

namespace KitaLink.Api.Pins;

/// <summary>Audit events about one PIN pair: facility, child, guardian and pair taken from the pair itself.</summary>
public static class PinAudit
{
    public static AuditEvent RecordPairEvent(
        this AuditTrail audit, string action, PinPair pair, IReadOnlyDictionary<string, string>? data = null, Guid? accountId = null) =>
        audit.RecordPairEvent(action, pair.FacilityId, pair.ChildId, pair.GuardianId, pair.Id, data, accountId);

    public static AuditEvent RecordPairEvent(
        this AuditTrail audit, string action, Guid? facilityId, Guid? childId, Guid? guardianId, Guid? pairId,
        IReadOnlyDictionary<string, string>? data = null, Guid? accountId = null) =>
        audit.Record(action, e =>
        {
            e.AccountId = accountId;
            e.FacilityId = facilityId;
            e.ChildId = childId;
            e.GuardianId = guardianId;
            e.PinPairId = pairId;
        }, data);
}
