namespace KitaLink.Api.Pins;

/// <summary>
/// A reminder mail queued for a pending pair: the <see cref="Number"/>-th of <c>Reminders:Days</c>. The unique index on
/// (pair, number) makes each reminder go out once, however many instances run the reminder job.
/// </summary>
public sealed class PinReminder
{
    private PinReminder() { }

    public PinReminder(Guid pinPairId, int number, Guid outboxMessageId, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        PinPairId = pinPairId;
        Number = number;
        OutboxMessageId = outboxMessageId;
        QueuedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid PinPairId { get; private set; }
    public int Number { get; private set; }
    public Guid OutboxMessageId { get; private set; }
    public DateTimeOffset QueuedAt { get; private set; }
}
