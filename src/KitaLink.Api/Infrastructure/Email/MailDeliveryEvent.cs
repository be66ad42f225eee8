
namespace KitaLink.Api.Infrastructure.Email;

/// <summary>
/// One report about a sent message from after the first hop: a bounce message in the bounce mailbox, or a mail
/// provider's event. <see cref="Source"/> and <see cref="EventKey"/> identify the report itself (the bounce's
/// Message-ID, the provider's event id), so it is recorded once however often it is read or posted.
/// </summary>
public sealed class MailDeliveryEvent
{
    public const int MaxEventKeyLength = 300;
    public const int MaxDetailLength = 2000;

    private MailDeliveryEvent() { }

    public MailDeliveryEvent(Guid outboxMessageId, MailDeliveryReport report, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        OutboxMessageId = outboxMessageId;
        Source = report.Source;
        EventKey = report.EventKey;
        Outcome = report.Outcome;
        Reason = report.Outcome == MailDeliveryOutcome.Delivered ? null : report.Reason;
        StatusCode = report.StatusCode;
        Detail = report.Detail;
        OccurredAt = (report.OccurredAt ?? now).ToUniversalTime();
        RecordedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid OutboxMessageId { get; private set; }

    /// <summary><c>imap</c>, <c>ses</c> or <c>postmark</c>.</summary>
    public string Source { get; private set; } = "";

    public string EventKey { get; private set; } = "";
    public MailDeliveryOutcome Outcome { get; private set; }
    public MailDeliveryReason? Reason { get; private set; }
    public string? StatusCode { get; private set; }

    /// <summary>The remote server's text.</summary>
    public string? Detail { get; private set; }

    /// <summary>When the reporting server says it happened.</summary>
    public DateTimeOffset OccurredAt { get; private set; }

    public DateTimeOffset RecordedAt { get; private set; }
}

/// <summary>
/// A report as read from a bounce or a provider event, before it is tied to a message. The message is named by
/// its return-path token, or (provider events only, which are authenticated) by its outbox id from our Message-ID.
/// </summary>
public sealed record MailDeliveryReport(
    string Source,
    string EventKey,
    string? ReturnToken,
    Guid? OutboxMessageId,
    MailDeliveryOutcome Outcome,
    MailDeliveryReason Reason,
    string? StatusCode,
    string? Detail,
    DateTimeOffset? OccurredAt)
{
    /// <summary>A report from a status code, a DSN action and the server's text, classified by the shared rule.</summary>
    public static MailDeliveryReport Classify(
        string source, string eventKey, string? returnToken, Guid? messageId, string? statusCode, string? action, string? detail, DateTimeOffset? occurredAt)
    {
        var code = statusCode ?? MailDeliveryClassifier.StatusCodeIn(detail);
        var outcome = MailDeliveryClassifier.Outcome(code, action, detail);
        return new MailDeliveryReport(source, Truncate(eventKey, MailDeliveryEvent.MaxEventKeyLength), returnToken, messageId, outcome,
            MailDeliveryClassifier.Reason(outcome, code, detail), code, detail is null ? null : Truncate(OneLine(detail), MailDeliveryEvent.MaxDetailLength),
            occurredAt);
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[])[' ', '\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
