namespace KitaLink.Api.Infrastructure.Email;

public enum OutboxMessageKind
{
    Pin2,
    PasswordReset,
    /// <summary>A reminder to a guardian whose PIN pair is still pending (no PIN in it).</summary>
    PinReminder,
}

/// <summary>
/// Delivery status as staff see it. <see cref="Queued"/>, <see cref="Sent"/> and <see cref="Failed"/> describe the
/// first hop (our SMTP server); <see cref="Delivered"/>, <see cref="Deferred"/> and <see cref="Bounced"/> what later
/// came back for a sent message (a bounce to its return path, or a provider event).
/// </summary>
public enum OutboxMessageStatus
{
    /// <summary>Written, not yet accepted by the SMTP server (includes transient failures awaiting retry).</summary>
    Queued,
    /// <summary>Accepted by the SMTP server.</summary>
    Sent,
    /// <summary>Permanently rejected (5xx) or out of retries; <see cref="OutboxMessage.LastError"/> holds the server's reply.</summary>
    Failed,
    /// <summary>The mail provider reports delivery into the recipient's mailbox.</summary>
    Delivered,
    /// <summary>A server further on could not deliver yet and keeps trying (a delay notice, a soft bounce).</summary>
    Deferred,
    /// <summary>A server further on gave up: a bounce message or a provider's bounce event.</summary>
    Bounced,
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
        ReturnToken = ReturnTokens.New();
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

    /// <summary>
    /// Unguessable token of the per-message return path (<c>bounces+&lt;token&gt;@&lt;bounce domain&gt;</c>): a bounce
    /// sent there belongs to this message, whatever its content claims. Null for messages written before it existed.
    /// </summary>
    public string? ReturnToken { get; private set; }

    /// <summary>When the latest report after the first hop (delivered, deferred, bounced) was recorded.</summary>
    public DateTimeOffset? ReportedAt { get; private set; }

    /// <summary>Why the latest report says the mail was deferred or bounced (a category staff can act on).</summary>
    public MailDeliveryReason? ReportReason { get; private set; }

    /// <summary>The enhanced status code of the latest report (RFC 3463, e.g. <c>5.1.1</c>), when it had one.</summary>
    public string? ReportStatusCode { get; private set; }

    /// <summary>The remote server's text of the latest report (e.g. <c>550 5.1.1 user unknown</c>).</summary>
    public string? ReportDetail { get; private set; }

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

    /// <summary>
    /// Applies a report from after the first hop. Only a sent message can be reported on; a bounce is final,
    /// a delivery report is not undone by a late delay notice, a delay does not hide a delivery. Returns whether
    /// the status changed.
    /// </summary>
    public bool ApplyReport(MailDeliveryOutcome outcome, MailDeliveryReason reason, string? statusCode, string? detail, DateTimeOffset now)
    {
        var target = outcome switch
        {
            MailDeliveryOutcome.Delivered => OutboxMessageStatus.Delivered,
            MailDeliveryOutcome.Deferred => OutboxMessageStatus.Deferred,
            _ => OutboxMessageStatus.Bounced,
        };
        var allowed = (Status, target) switch
        {
            (OutboxMessageStatus.Sent, _) => true,
            (OutboxMessageStatus.Deferred, _) => true,
            (OutboxMessageStatus.Delivered, OutboxMessageStatus.Bounced) => true,
            _ => false,
        };
        if (!allowed)
        {
            return false;
        }
        Status = target;
        ReportedAt = now;
        ReportReason = outcome == MailDeliveryOutcome.Delivered ? null : reason;
        ReportStatusCode = statusCode;
        ReportDetail = detail;
        return true;
    }

    private void WipeBodies()
    {
        ProtectedTextBody = null;
        ProtectedHtmlBody = null;
    }
}
