using KitaLink.Api.Guardians.AddressCheck;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Pins;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Guardians;

/// <summary>OpenAPI examples of guardians and their help desk view (PIN state, PIN 2 delivery).</summary>
internal sealed class GuardiansExamples : IOpenApiExamples
{
    public static readonly Pin2DeliveryView DeliveryQueued = new(Pin2MessageId, OutboxMessageStatus.Queued, ParentEmail,
        null, null, 0, PinsCreated, null, null, null, null, null, Pin2DeliveryGuidanceTable.For(OutboxMessageStatus.Queued, null));
    public static readonly Pin2DeliveryView DeliverySent = DeliveryQueued with
    {
        Status = OutboxMessageStatus.Sent,
        Attempts = 1,
        LastAttemptAt = PinsCreated.AddSeconds(3),
        SentAt = PinsCreated.AddSeconds(3),
        Guidance = Pin2DeliveryGuidanceTable.For(OutboxMessageStatus.Sent, null),
    };

    /// <summary>The help desk example: the mail came back from the parents' provider with "mailbox full".</summary>
    public static readonly Pin2DeliveryView DeliveryBounced = DeliverySent with
    {
        Status = OutboxMessageStatus.Bounced,
        Reason = "smtp; 552 5.2.2 <julia.schneider@example.com>: mailbox full, quota exceeded",
        Problem = MailDeliveryReason.MailboxFull,
        StatusCode = "5.2.2",
        ReportedAt = PinsCreated.AddMinutes(4),
        Guidance = Pin2DeliveryGuidanceTable.For(OutboxMessageStatus.Bounced, MailDeliveryReason.MailboxFull),
    };
    public static readonly PinView PinPending = new(PinStatus.Pending, PinPairId, Pin1, PinsExpire, 0, PinsCreated,
        null, null, PinsCreated, DeliveryBounced);
    public static readonly EmailCheckView EmailPassed = new(EmailCheckResult.Passed, [], null, MailServerCheck.Mx,
        ChildCreated.AddMinutes(2), null);
    public static readonly GuardianView Guardian = new(GuardianId, ChildId, "Julia Schneider", "Mutter", ParentEmail,
        ChildCreated.AddMinutes(2), ChildCreated.AddMinutes(2), PinPending with
        {
            FailedAttempts = 1,
            WrongEmailAttempts = [new WrongEmailAttemptView("ju***@exmaple.com", At("2026-11-24T18:40:02Z"))],
        }, [], EmailPassed, "tr");

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Requests[typeof(CreateGuardianRequest)] = new CreateGuardianRequest("Julia Schneider", "Mutter", ParentEmail, PreferredLanguage: "tr");
        examples.Requests[typeof(UpdateGuardianRequest)] = new UpdateGuardianRequest(Email: "julia.schneider@example.org");
        examples.Responses[typeof(GuardianView)] = Guardian;
        examples.ResponsesByOperation[("createGuardian", 201)] = Guardian with { Pin = new PinView(PinStatus.None) };
        examples.ResponsesByOperation[("updateGuardian", 200)] = Guardian with
        {
            Email = "julia.schneider@example.org",
            UpdatedAt = At("2026-11-24T10:02:00Z"),
            EmailCheck = EmailPassed with { MailServer = MailServerCheck.AddressRecord, CheckedAt = At("2026-11-24T10:02:00Z") },
            Pin = PinPending with
            {
                Status = PinStatus.Revoked,
                Pin1 = null,
                ExpiresAt = null,
                EndedAt = At("2026-11-24T10:02:00Z"),
                RevocationReason = PinRevocationReason.EmailChanged,
                FailedAttempts = 0,
                WrongEmailAttempts = [],
            },
        };
        examples.InvalidRequests[typeof(CreateGuardianRequest)] = new CreateGuardianRequest("Julia Schneider", "Mutter", "julia.schneider@example");
        examples.InvalidRequests[typeof(UpdateGuardianRequest)] = new UpdateGuardianRequest(Email: "julia.schneider@");
        examples.Parameters["guardianId"] = GuardianId;
    }
}
