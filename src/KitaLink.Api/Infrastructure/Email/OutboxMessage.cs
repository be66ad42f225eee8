namespace KitaLink.Api.Infrastructure.Email;

public enum OutboxMessageKind
{
    Pin2,
    PasswordReset,
}

/// <summary>PIN 2 delivery status as staff see it.</summary>
public enum OutboxMessageStatus
{
    /// <summary>Written, not yet accepted by the SMTP server (includes transient failures awaiting retry).</summary>
    Queued,
    /// <summary>Accepted by the SMTP server.</summary>
    Sent,
    /// <summary>Permanently rejected (5xx) or out of retries; <see cref="OutboxMessage.LastError"/> holds the server's reply.</summary>
    Failed,
}

/// <summary>
/// A mail written in the same transaction as the business change that caused it (transactional outbox)
/// and delivered later by <c>OutboxSender</c>. Bodies carry secrets (PIN 2, reset links), so they are
/// stored encrypted with Data Protection and wiped once the message is sent or has failed for good.
/// </summary>
public sealed class OutboxMessage
{
    private OutboxMessage() { }

    public OutboxMessage(
        OutboxMessageKind kind,
        string recipient,
        string subject,
        string protectedTextBody,
        string protectedHtmlBody,
        DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        Kind = kind;
        Recipient = recipient;
        Subject = subject;
        ProtectedTextBody = protectedTextBody;
        ProtectedHtmlBody = protectedHtmlBody;
        Status = OutboxMessageStatus.Queued;
        CreatedAt = now;
        NextAttemptAt = now;
    }

    public Guid Id { get; private set; }
    public OutboxMessageKind Kind { get; private set; }
    public string Recipient { get; private set; } = "";
    public string Subject { get; private set; } = "";
    public string? ProtectedTextBody { get; private set; }
    public string? ProtectedHtmlBody { get; private set; }
    public OutboxMessageStatus Status { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset NextAttemptAt { get; private set; }

    /// <summary>Set while one sender instance holds the message; others skip it until the lease ends.</summary>
    public DateTimeOffset? LeasedUntil { get; private set; }

    public DateTimeOffset? LastAttemptAt { get; private set; }
    public DateTimeOffset? SentAt { get; private set; }
    public DateTimeOffset? FailedAt { get; private set; }

    /// <summary>The SMTP server's reply (or the connection error) of the latest failed attempt.</summary>
    public string? LastError { get; private set; }

    /// <summary>The SMTP reply code of the latest failed attempt, when the server answered.</summary>
    public int? LastSmtpStatus { get; private set; }

    // Context for staff views and the audit trail.
    public Guid? FacilityId { get; private set; }
    public Guid? ChildId { get; private set; }
    public Guid? GuardianId { get; private set; }
    public Guid? PinPairId { get; private set; }
    public Guid? AccountId { get; private set; }

    public OutboxMessage About(Guid? facilityId = null, Guid? childId = null, Guid? guardianId = null, Guid? pinPairId = null, Guid? accountId = null)
    {
        FacilityId = facilityId;
        ChildId = childId;
        GuardianId = guardianId;
        PinPairId = pinPairId;
        AccountId = accountId;
        return this;
    }

    public void MarkSent(DateTimeOffset now)
    {
        Attempts++;
        Status = OutboxMessageStatus.Sent;
        SentAt = now;
        LastAttemptAt = now;
        LeasedUntil = null;
        LastError = null;
        WipeBodies();
    }

    public void MarkTransientFailure(string error, int? smtpStatus, DateTimeOffset now, DateTimeOffset nextAttemptAt)
    {
        Attempts++;
        LastAttemptAt = now;
        LastError = error;
        LastSmtpStatus = smtpStatus;
        NextAttemptAt = nextAttemptAt;
        LeasedUntil = null;
    }

    public void MarkPermanentFailure(string error, int? smtpStatus, DateTimeOffset now)
    {
        Attempts++;
        Status = OutboxMessageStatus.Failed;
        LastAttemptAt = now;
        FailedAt = now;
        LastError = error;
        LastSmtpStatus = smtpStatus;
        LeasedUntil = null;
        WipeBodies();
    }

    private void WipeBodies()
    {
        ProtectedTextBody = null;
        ProtectedHtmlBody = null;
    }
}
