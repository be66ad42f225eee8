using KitaLink.Api.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>What became of one report.</summary>
public enum MailDeliveryRecordResult
{
    /// <summary>Stored, the message's status updated where the report moves it on, the feature told.</summary>
    Recorded,
    /// <summary>This report (same source and key) was recorded before; nothing changed.</summary>
    Duplicate,
    /// <summary>No message of ours carries the named token or id; nothing changed.</summary>
    UnknownMessage,
}

/// <summary>
/// The one place where a report from after the first hop is recorded, whoever read it (the bounce mailbox reader,
/// the provider endpoint): the event row, the message's delivery status and the audit event of the message's
/// feature commit together or not at all. Recording is idempotent: the unique index on (source, event key) lets
/// a second instance, a restart or a provider's retry find the report already there.
/// </summary>
public sealed partial class MailDeliveryEvents(
    KitaLinkDbContext db, IEnumerable<IOutboxKindRules> rules, TimeProvider time, ILogger<MailDeliveryEvents> logger)
{
    public async Task<MailDeliveryRecordResult> RecordAsync(MailDeliveryReport report, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The row lock orders reports of one message (two readers, a bounce and a provider event at once), so the
        // status rule of ApplyReport sees the previous report's result.
        var message = report.ReturnToken is { } token && ReturnTokens.IsWellFormed(token)
            ? await db.OutboxMessages.FromSql($"SELECT * FROM outbox_messages WHERE return_token = {token} FOR UPDATE").SingleOrDefaultAsync(cancellationToken)
            : report.OutboxMessageId is { } id
                ? await db.OutboxMessages.FromSql($"SELECT * FROM outbox_messages WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken)
                : null;
        if (message is null)
        {
            LogUnknownMessage(logger, report.Source, report.Outcome);
            return MailDeliveryRecordResult.UnknownMessage;
        }

        var now = time.GetUtcNow();
        var deliveryEvent = new MailDeliveryEvent(message.Id, report, now);
        db.MailDeliveryEvents.Add(deliveryEvent);
        var changed = message.ApplyReport(report.Outcome, report.Reason, report.StatusCode, report.Detail, now);
        rules.FirstOrDefault(r => r.Kind == message.Kind)?.Reported(message, deliveryEvent);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            LogDuplicate(logger, report.Source, message.Id);
            return MailDeliveryRecordResult.Duplicate;
        }
        LogRecorded(logger, report.Source, message.Id, message.Kind, report.Outcome, report.Reason, report.StatusCode, changed ? message.Status : null);
        return MailDeliveryRecordResult.Recorded;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery report ({Source}) for mail {MessageId} ({Kind}): {Outcome}, {Reason}, status code {StatusCode}; message now {Status}")]
    private static partial void LogRecorded(ILogger logger, string source, Guid messageId, OutboxMessageKind kind, MailDeliveryOutcome outcome,
        MailDeliveryReason reason, string? statusCode, OutboxMessageStatus? status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivery report ({Source}) for mail {MessageId} was recorded before")]
    private static partial void LogDuplicate(ILogger logger, string source, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery report ({Source}, {Outcome}) names no message of this service; ignored")]
    private static partial void LogUnknownMessage(ILogger logger, string source, MailDeliveryOutcome outcome);
}
