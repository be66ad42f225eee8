using System.Text.Json;
using KitaLink.Api.Audit;
using KitaLink.Api.Guardians.AddressCheck;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Links;
using KitaLink.Api.Pins;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Privacy;

/// <summary>OpenAPI examples of the data exports.</summary>
internal sealed class PrivacyExamples : IOpenApiExamples
{
    private static readonly Guid SessionId = Guid.Parse("0193a5f6-0a1b-7c2d-8e3f-4a5b6c7d8e9f");

    private static JsonElement Details(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public void AddTo(OpenApiExampleSet examples)
    {
        var exportedAt = At("2026-11-28T10:00:00Z");
        examples.Responses[typeof(ParentDataExport)] = new ParentDataExport(
            exportedAt,
            new ExportedAccount(AccountId, ParentEmail, Registered, null),
            [
                new ExportedLink(ChildId, "Mia", "Schneider", new DateOnly(2022, 3, 14), FacilityId, FacilityName, ChildLinkStatus.Active, Registered, null),
                new ExportedLink(SiblingId, "Leon", "Schneider", new DateOnly(2024, 7, 2), FacilityId, FacilityName, ChildLinkStatus.Active, SiblingLinked, null),
            ],
            [new ExportedSession(SessionId, Registered, At("2026-11-28T07:12:00Z"), At("2026-12-28T07:12:00Z"), true)],
            [
                new ExportedAuditEvent(Registered, AuditActions.AccountCreated, AuditActorType.Anonymous, "203.0.113.24", null),
                new ExportedAuditEvent(SiblingLinked, AuditActions.ChildLinked, AuditActorType.Parent, "203.0.113.24", Details("""{"linkType":"sibling"}""")),
            ]);
        examples.Responses[typeof(GuardianDataExport)] = new GuardianDataExport(
            exportedAt,
            new ExportedGuardian(GuardianId, "Julia Schneider", "Mutter", ParentEmail, ChildCreated, EmailCheckResult.Passed),
            new ExportedChild(ChildId, "Mia", "Schneider", new DateOnly(2022, 3, 14)),
            [new ExportedPinPair(PinPairId, PinStatus.Redeemed, ParentEmail, PinsCreated, PinsExpire, 0, Registered, null, null, null)],
            [new ExportedWrongEmailAttempt(PinPairId, "ju***@googlemail.com", At("2026-11-24T18:30:02Z"))],
            [new ExportedMail(Pin2MessageId, OutboxMessageKind.Pin2, ParentEmail, OutboxMessageStatus.Sent, PinsCreated, PinsCreated.AddSeconds(4), null)],
            [new ExportedLinkedAccount(AccountId, ParentEmail, ChildLinkStatus.Active, Registered)],
            [new ExportedAuditEvent(PinsCreated, AuditActions.PinsCreated, AuditActorType.Staff, "198.51.100.7", null)]);
    }
}
