namespace KitaLink.Api.Infrastructure.Email;

/// <summary>
/// What the feature that queues one kind of message decides at delivery time. The outbox knows no
/// feature: it asks the rules registered for a message's kind (none: the message is simply sent). Resolved
/// in the delivery lane's scope, so the rules share its DbContext and their audit events commit with the outcome.
/// </summary>
public interface IOutboxKindRules
{
    OutboxMessageKind Kind { get; }

    /// <summary>Of the claimed messages of this kind, those that must not be sent any more, each with the reason recorded as its permanent failure.</summary>
    Task<IReadOnlyDictionary<Guid, string>> WithdrawnAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);

    /// <summary>The server accepted the message.</summary>
    void Sent(OutboxMessage message);

    /// <summary>The message failed for good (including a withdrawn one).</summary>
    void Failed(OutboxMessage message, string reason, int? smtpStatus);

    /// <summary>A report from after the first hop (bounce, deferral, delivery) was recorded for a message of this kind.</summary>
    void Reported(OutboxMessage message, MailDeliveryEvent deliveryEvent) { }
}
