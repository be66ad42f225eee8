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
    public async Task<MailDeliveryRecordResult> RecordAsync(MailDeliveryReport report, CancellationToken cancellationToken) =>
        (await RecordAsync([report], cancellationToken))[0];

    /// <summary>
    /// Records several reports in one transaction (the bounce mailbox reader's batch): the messages are locked in one
    /// statement, reports recorded before are skipped, the rest is written in one round. Should another instance
    /// record one of them meanwhile, the batch is rolled back and each report is recorded on its own, so each ends up
    /// recorded exactly once. The results are in the order of <paramref name="reports"/>.
    /// </summary>
    public async Task<IReadOnlyList<MailDeliveryRecordResult>> RecordAsync(IReadOnlyList<MailDeliveryReport> reports, CancellationToken cancellationToken)
    {
        try
        {
            return await RecordBatchAsync(reports, cancellationToken);
        }
        catch (DbUpdateException exception) when (reports.Count > 1 && exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            var results = new List<MailDeliveryRecordResult>(reports.Count);
            foreach (var report in reports)
            {
                results.Add((await RecordBatchOrDuplicateAsync(report, cancellationToken))[0]);
            }
            return results;
        }
    }

    private async Task<IReadOnlyList<MailDeliveryRecordResult>> RecordBatchOrDuplicateAsync(MailDeliveryReport report, CancellationToken cancellationToken)
    {
        try
        {
            return await RecordBatchAsync([report], cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            LogDuplicate(logger, report.Source, report.EventKey.Length);
            return [MailDeliveryRecordResult.Duplicate];
        }
    }

    private async Task<IReadOnlyList<MailDeliveryRecordResult>> RecordBatchAsync(IReadOnlyList<MailDeliveryReport> reports, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var tokens = reports.Select(r => r.ReturnToken).Where(ReturnTokens.IsWellFormed).Select(t => t!).Distinct().ToArray();
        var ids = reports.Where(r => !ReturnTokens.IsWellFormed(r.ReturnToken) && r.OutboxMessageId is not null)
            .Select(r => r.OutboxMessageId!.Value).Distinct().ToArray();
        // The row locks order reports of one message (two readers, a bounce and a provider event at once), so the
        // status rule of ApplyReport sees the previous report's result. Locked in id order: no deadlock between batches.
        // Two statements rather than one with OR, so each uses its index (return token, primary key).
        var messages = tokens.Length == 0 ? [] : await db.OutboxMessages
            .FromSql($"SELECT * FROM outbox_messages WHERE return_token = ANY({tokens}) ORDER BY id FOR UPDATE")
            .ToListAsync(cancellationToken);
        if (ids.Length > 0)
        {
            messages.AddRange(await db.OutboxMessages
                .FromSql($"SELECT * FROM outbox_messages WHERE id = ANY({ids}) ORDER BY id FOR UPDATE")
                .ToListAsync(cancellationToken));
        }
        messages = messages.DistinctBy(m => m.Id).ToList();
        var byToken = messages.Where(m => m.ReturnToken is not null).ToDictionary(m => m.ReturnToken!);
        var byId = messages.ToDictionary(m => m.Id);
        var keys = reports.Select(r => r.EventKey).Distinct().ToArray();
        var sources = reports.Select(r => r.Source).Distinct().ToArray();
        var seen = (await db.MailDeliveryEvents.AsNoTracking()
                .Where(e => sources.Contains(e.Source) && keys.Contains(e.EventKey))
                .Select(e => new { e.Source, e.EventKey })
                .ToListAsync(cancellationToken))
            .Select(e => (e.Source, e.EventKey)).ToHashSet();

        var now = time.GetUtcNow();
        var results = new List<MailDeliveryRecordResult>(reports.Count);
        var recorded = new List<(OutboxMessage Message, MailDeliveryReport Report, bool Changed)>();
        foreach (var report in reports)
        {
            var message = ReturnTokens.IsWellFormed(report.ReturnToken)
                ? byToken.GetValueOrDefault(report.ReturnToken!)
                : report.OutboxMessageId is { } id ? byId.GetValueOrDefault(id) : null;
            if (message is null)
            {
                LogUnknownMessage(logger, report.Source, report.Outcome);
                results.Add(MailDeliveryRecordResult.UnknownMessage);
                continue;
            }
            if (!seen.Add((report.Source, report.EventKey)))
            {
                LogDuplicate(logger, report.Source, report.EventKey.Length);
                results.Add(MailDeliveryRecordResult.Duplicate);
                continue;
            }
            var deliveryEvent = new MailDeliveryEvent(message.Id, report, now);
            db.MailDeliveryEvents.Add(deliveryEvent);
            var changed = message.ApplyReport(report.Outcome, report.Reason, report.StatusCode, report.Detail, now);
            rules.FirstOrDefault(r => r.Kind == message.Kind)?.Reported(message, deliveryEvent);
            recorded.Add((message, report, changed));
            results.Add(MailDeliveryRecordResult.Recorded);
        }
        if (recorded.Count > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        foreach (var (message, report, changed) in recorded)
        {
            LogRecorded(logger, report.Source, message.Id, message.Kind, report.Outcome, report.Reason, report.StatusCode, changed ? message.Status : null);
        }
        return results;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery report ({Source}) for mail {MessageId} ({Kind}): {Outcome}, {Reason}, status code {StatusCode}; message now {Status}")]
    private static partial void LogRecorded(ILogger logger, string source, Guid messageId, OutboxMessageKind kind, MailDeliveryOutcome outcome,
        MailDeliveryReason reason, string? statusCode, OutboxMessageStatus? status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivery report ({Source}, event key of {KeyLength} characters) was recorded before")]
    private static partial void LogDuplicate(ILogger logger, string source, int keyLength);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery report ({Source}, {Outcome}) names no message of this service; ignored")]
    private static partial void LogUnknownMessage(ILogger logger, string source, MailDeliveryOutcome outcome);
}
