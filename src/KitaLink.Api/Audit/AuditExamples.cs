using KitaLink.Api.Infrastructure.Http;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Audit;

/// <summary>OpenAPI examples of a child's audit trail.</summary>
internal sealed class AuditExamples : IOpenApiExamples
{
    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Responses[typeof(ChildEventsResponse)] = new ChildEventsResponse(
        [
            new ChildEvent(1042, Registered, AuditActions.ChildLinked, new AuditActor(AuditActorType.Parent, AccountId, ParentEmail),
                GuardianId, PinPairId, new Dictionary<string, string> { ["accountEmail"] = ParentEmail }),
            new ChildEvent(1031, PinsCreated.AddSeconds(3), AuditActions.Pin2Sent, new AuditActor(AuditActorType.System, null, null),
                GuardianId, PinPairId, new Dictionary<string, string> { ["attempts"] = "1" }),
            new ChildEvent(1030, PinsCreated, AuditActions.PinsCreated, new AuditActor(AuditActorType.Staff, AdminId, "Anna Becker"),
                GuardianId, PinPairId, new Dictionary<string, string>
                {
                    ["expiresAt"] = PinsExpire.ToString("O"),
                    ["pin2SentTo"] = ParentEmail,
                }),
        ], Paging.Encode(ChildEventsQuery.List, new ChildEventCursor(1030)));
        examples.InvalidRequests[typeof(ChildEventsQuery)] = new ChildEventsQuery(0, "bm90LWEtY3Vyc29y");
    }
}
