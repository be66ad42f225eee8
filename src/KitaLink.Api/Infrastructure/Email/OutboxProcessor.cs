using System.Diagnostics;
using System.Security.Cryptography;
using KitaLink.Api.Accounts;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Telemetry;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;
using NpgsqlTypes;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>What one round of the sender did.</summary>
public sealed record OutboxBatchResult(int Claimed, int Sent, int Retrying, int Failed)
{
    public static readonly OutboxBatchResult Empty = new(0, 0, 0, 0);
}

/// <summary>
/// One round of outbox delivery: claim due messages under a lease, send them over a few reused SMTP
/// connections, record each outcome right after its send. Any number of processors (threads, API instances) may run against one
/// database; the lease guarantees that each message is handed to the SMTP server by one of them only.
/// </summary>
public sealed partial class OutboxProcessor
{
    /// <summary>
    /// Claims due, unleased messages in one statement. <c>FOR UPDATE SKIP LOCKED</c> lets concurrent
    /// claimers pass over rows another one is taking right now, and the re-check of the lease after a
    /// wait means a row claimed by a just-committed statement is not taken twice.
    /// </summary>
    private const string ClaimSql = """
        UPDATE outbox_messages SET leased_until = @lease_end
        WHERE id IN (
            SELECT id FROM outbox_messages
            WHERE status = 'queued' AND next_attempt_at <= @now AND (leased_until IS NULL OR leased_until < @now)
            ORDER BY next_attempt_at
            LIMIT @batch
            FOR UPDATE SKIP LOCKED)
        RETURNING id
        """;

    /// <summary>Gives back messages this round did not get to, so another round takes them without waiting for the lease to end.</summary>
    private const string ReleaseSql = """
        UPDATE outbox_messages SET leased_until = NULL
        WHERE id = ANY(@ids) AND status = 'queued' AND leased_until = @lease_end
        """;

    private readonly IServiceScopeFactory _scopes;
    private readonly NpgsqlDataSource _dataSource;
    private readonly IMailTransport _transport;
    private readonly IDataProtector _protector;
    private readonly OutboxOptions _options;
    private readonly SmtpOptions _smtp;
    private readonly BounceOptions _bounces;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboxProcessor> _logger;
    private readonly KitaLinkMetrics _metrics;
    private readonly MailboxAddress _from;
    private readonly string _messageIdDomain;

    public OutboxProcessor(
        IServiceScopeFactory scopes,
        NpgsqlDataSource dataSource,
        IMailTransport transport,
        IDataProtectionProvider dataProtection,
        IOptions<OutboxOptions> options,
        IOptions<SmtpOptions> smtp,
        IOptions<BounceOptions> bounces,
        TimeProvider time,
        KitaLinkMetrics metrics,
        ILogger<OutboxProcessor> logger)
    {
        _metrics = metrics;
        _scopes = scopes;
        _dataSource = dataSource;
        _transport = transport;
        _protector = dataProtection.CreateProtector(MailOutbox.BodyProtectionPurpose);
        _options = options.Value;
        _smtp = smtp.Value;
        _bounces = bounces.Value;
        _time = time;
        _logger = logger;
        _from = _smtp.FromMailbox();
        _messageIdDomain = _from.Domain is { Length: > 0 } domain ? domain : "kitalink.invalid";
    }

    /// <summary>Claims up to <see cref="OutboxOptions.BatchSize"/> due messages and delivers them.</summary>
    public async Task<OutboxBatchResult> ProcessBatchAsync(CancellationToken cancellationToken = default)
    {
        // Lease times come from the injected clock (tests move it); the safety window of the batch is
        // measured in real time, because that is what another instance's clock does meanwhile.
        var elapsed = Stopwatch.StartNew();
        var now = _time.GetUtcNow().ToUniversalTime();
        var leaseEnd = now.AddSeconds(_options.LeaseSeconds);
        var ids = await LeasedClaims.ClaimAsync(_dataSource, ClaimSql, now, leaseEnd, _options.BatchSize, cancellationToken);
        if (ids.Count == 0)
        {
            return OutboxBatchResult.Empty;
        }
        LogClaimed(_logger, ids.Count);
        // A span per round that has work (idle polls are not traced); the sends and their SQL are its children.
        using var activity = KitaLinkMetrics.ActivitySource.StartActivity("outbox deliver");
        activity?.SetTag("kitalink.outbox.claimed", ids.Count);

        // Stop starting new sends well before the lease ends: a send may take up to two SMTP timeouts
        // (connect, then data), and after the lease another instance may take the message.
        // The stopwatch started before the claim, so the window errs on the safe side.
        var sendWindow = TimeSpan.FromSeconds(_options.LeaseSeconds - (2 * _smtp.TimeoutSeconds));

        // The batch is dealt out over up to Smtp:MaxConnections lanes, each with its own connection
        // and DbContext, so a slow server round trip or database write does not hold up the others.
        var laneCount = Math.Min(_smtp.MaxConnections, ids.Count);
        var lanes = Enumerable.Range(0, laneCount)
            .Select(lane => ids.Where((_, index) => index % laneCount == lane).ToList())
            .Select(laneIds => DeliverLaneAsync(laneIds, leaseEnd, elapsed, sendWindow, cancellationToken));
        var results = await Task.WhenAll(lanes);
        return new OutboxBatchResult(ids.Count, results.Sum(r => r.Sent), results.Sum(r => r.Retrying), results.Sum(r => r.Failed));
    }

    private async Task<OutboxBatchResult> DeliverLaneAsync(
        List<Guid> ids, DateTimeOffset leaseEnd, Stopwatch elapsed, TimeSpan sendWindow, CancellationToken cancellationToken)
    {
        int sent = 0, retrying = 0, failed = 0;
        // Once a send has started, its message is never handed back early: the server may have accepted
        // it, and only the lease running out may lead to another try.
        var attempted = new HashSet<Guid>();
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
            var rules = scope.ServiceProvider.GetServices<IOutboxKindRules>().ToDictionary(r => r.Kind);
            var messages = await db.OutboxMessages
                .Where(m => ids.Contains(m.Id) && m.Status == OutboxMessageStatus.Queued)
                .OrderBy(m => m.NextAttemptAt)
                .ThenBy(m => m.Id)
                .ToListAsync(cancellationToken);

            var withdrawn = await WithdrawnAsync(rules, messages, cancellationToken);

            await using var session = _transport.OpenSession();
            MailFailure? serverDown = null;
            foreach (var message in messages)
            {
                if (elapsed.Elapsed > sendWindow)
                {
                    LogLeaseWindowExhausted(_logger, messages.Count - attempted.Count);
                    break;
                }
                attempted.Add(message.Id);

                using var send = KitaLinkMetrics.ActivitySource.StartActivity("outbox send");
                send?.SetTag("kitalink.outbox.message_id", message.Id);
                send?.SetTag("kitalink.outbox.kind", message.Kind.ToString());
                // Once the server is unreachable, the rest of the lane would only wait for the same
                // timeout one by one; they get the same failure and their own backoff instead.
                var failure = withdrawn.TryGetValue(message.Id, out var withdrawnReason)
                    ? new MailFailure(true, withdrawnReason, null)
                    : serverDown ?? await TrySendAsync(session, message, cancellationToken);
                if (failure?.ServerUnavailable == true)
                {
                    serverDown = failure;
                }

                string outcome;
                switch (Record(message, failure, rules.GetValueOrDefault(message.Kind)))
                {
                    case OutboxMessageStatus.Sent: sent++; outcome = "sent"; break;
                    case OutboxMessageStatus.Failed: failed++; outcome = "failed"; break;
                    default: retrying++; outcome = "retrying"; break;
                }
                _metrics.MailDelivery(outcome, message.Kind.ToString());
                send?.SetTag("kitalink.outbox.outcome", outcome);
                if (failure is not null)
                {
                    send?.SetStatus(ActivityStatusCode.Error, failure.SmtpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                await SaveAsync(db, cancellationToken);
            }
        }
        finally
        {
            var unprocessed = ids.Where(id => !attempted.Contains(id)).ToArray();
            if (unprocessed.Length > 0)
            {
                await ReleaseAsync(unprocessed, leaseEnd);
            }
        }
        return new OutboxBatchResult(ids.Count, sent, retrying, failed);
    }

    /// <summary>The messages the rules of their kind withdraw from delivery, with the reason of each.</summary>
    private static async Task<Dictionary<Guid, string>> WithdrawnAsync(
        Dictionary<OutboxMessageKind, IOutboxKindRules> rules, List<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var withdrawn = new Dictionary<Guid, string>();
        foreach (var group in messages.GroupBy(m => m.Kind))
        {
            if (rules.TryGetValue(group.Key, out var kindRules))
            {
                foreach (var (id, reason) in await kindRules.WithdrawnAsync(group.ToList(), cancellationToken))
                {
                    withdrawn[id] = reason;
                }
            }
        }
        return withdrawn;
    }

    private async Task<MailFailure?> TrySendAsync(IMailSession session, OutboxMessage message, CancellationToken cancellationToken)
    {
        if (message.ProtectedTextBody is null || message.ProtectedHtmlBody is null)
        {
            return new MailFailure(true, "The message has no body left to send.", null);
        }
        MimeMessage mime;
        try
        {
            mime = Compose(message.ProtectedTextBody, message.ProtectedHtmlBody, message);
        }
        catch (Exception e) when (e is CryptographicException or ParseException)
        {
            return MailFailure.Classify(e);
        }
        using var sent = mime;
        try
        {
            // The per-message return path ties a later bounce to exactly this message (VERP).
            var returnPath = _bounces.UsesReturnPath && message.ReturnToken is { } token ? _bounces.ReturnPath(token) : null;
            if (_bounces.Postmark.Enabled && message.ReturnToken is { } postmarkToken)
            {
                // Postmark uses its own return path; it hands this metadata back in its bounce and delivery webhooks.
                mime.Headers.Add(BounceOptions.PostmarkMetadataHeader, postmarkToken);
            }
            await session.SendAsync(mime, returnPath, cancellationToken);
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var failure = MailFailure.Classify(e);
            if (failure.Unexpected)
            {
                LogUnexpected(_logger, e, message.Id);
            }
            return failure;
        }
    }

    private MimeMessage Compose(string protectedText, string protectedHtml, OutboxMessage message) =>
        Compose(_protector.Unprotect(protectedText), _protector.Unprotect(protectedHtml), message.Subject, message.Id,
            message.Recipient, _from, _messageIdDomain, _time.GetUtcNow());

    internal static MimeMessage Compose(
        string text, string html, string subject, Guid messageId, string recipient, MailboxAddress from, string messageIdDomain, DateTimeOffset date)
    {
        var body = new BodyBuilder { TextBody = text, HtmlBody = html };
        var mime = new MimeMessage
        {
            Subject = subject,
            // Stable per outbox message: should a message ever go out twice (a crash between the
            // server's acceptance and our commit), mail systems can recognise the duplicate.
            MessageId = $"{messageId:N}@{messageIdDomain}",
            Date = date,
            Body = body.ToMessageBody(),
        };
        // A copy per message: an address list subscribes to the Changed event of every address added to it,
        // so one shared sender address would keep every message ever sent reachable (and in memory).
        mime.From.Add(new MailboxAddress(from.Name, from.Address));
        mime.To.Add(MailboxAddress.Parse(recipient.Trim()));
        // RFC 3834: keeps out-of-office replies and auto-responders away from the no-reply sender.
        mime.Headers.Add("Auto-Submitted", "auto-generated");
        return mime;
    }

    /// <summary>Applies the outcome to the entity (which wipes the bodies when it is final) and tells the rules of its kind.</summary>
    private OutboxMessageStatus Record(OutboxMessage message, MailFailure? failure, IOutboxKindRules? rules)
    {
        var now = _time.GetUtcNow();
        var recipient = EmailAddress.Mask(message.Recipient);
        if (failure is null)
        {
            message.MarkSent(now);
            LogSent(_logger, message.Id, message.Kind, recipient, message.Attempts);
            rules?.Sent(message);
            return message.Status;
        }

        var reasonForLog = MaskRecipient(failure.Reason, message.Recipient, recipient);
        if (!failure.Permanent && message.Attempts + 1 < _options.MaxAttempts)
        {
            var next = now + OutboxBackoff.Delay(message.Attempts + 1, _options, Random.Shared.NextDouble());
            message.MarkTransientFailure(failure.Reason, failure.SmtpStatus, now, next);
            LogRetrying(_logger, message.Id, message.Kind, recipient, message.Attempts, next, reasonForLog);
            return message.Status;
        }

        var reason = failure.Permanent
            ? failure.Reason
            : $"No delivery after {message.Attempts + 1} attempts. Last error: {failure.Reason}";
        message.MarkPermanentFailure(reason, failure.SmtpStatus, now);
        LogFailed(_logger, message.Id, message.Kind, recipient, message.Attempts, reasonForLog);
        rules?.Failed(message, reason, failure.SmtpStatus);
        return message.Status;
    }

    /// <summary>
    /// The outcome of a send must reach the database: once the server accepted a message, losing that
    /// fact means sending it again after the lease. A short database hiccup is therefore retried here.
    /// </summary>
    private async Task SaveAsync(KitaLinkDbContext db, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await db.SaveChangesAsync(CancellationToken.None);
                return;
            }
            catch (Exception e) when (attempt < 4 && e is (DbUpdateException or NpgsqlException or TimeoutException) && !cancellationToken.IsCancellationRequested)
            {
                LogSaveRetry(_logger, e, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), CancellationToken.None);
            }
        }
    }

    private async Task ReleaseAsync(Guid[] ids, DateTimeOffset leaseEnd)
    {
        try
        {
            await using var command = _dataSource.CreateCommand(ReleaseSql);
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = ids });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("lease_end", NpgsqlDbType.TimestampTz) { TypedValue = leaseEnd });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // Not fatal: the lease simply runs out and the messages are claimed again then.
            LogReleaseFailed(_logger, e, ids.Length);
        }
    }

    private static string MaskRecipient(string reason, string recipient, string masked) =>
        recipient.Length == 0 ? reason : reason.Replace(recipient.Trim(), masked, StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox: claimed {Count} due message(s)")]
    private static partial void LogClaimed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail {MessageId} ({Kind}) to {Recipient} accepted by the server after {Attempts} attempt(s)")]
    private static partial void LogSent(ILogger logger, Guid messageId, OutboxMessageKind kind, string recipient, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail {MessageId} ({Kind}) to {Recipient} not delivered (attempt {Attempts}), next try at {NextAttemptAt:O}: {Reason}")]
    private static partial void LogRetrying(ILogger logger, Guid messageId, OutboxMessageKind kind, string recipient, int attempts, DateTimeOffset nextAttemptAt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail {MessageId} ({Kind}) to {Recipient} failed for good after {Attempts} attempt(s): {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid messageId, OutboxMessageKind kind, string recipient, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected error while sending mail {MessageId}; it will be retried")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox: batch lease nearly used up, {Count} message(s) handed back for the next round")]
    private static partial void LogLeaseWindowExhausted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox: saving a delivery result failed (try {Attempt}), retrying")]
    private static partial void LogSaveRetry(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox: could not hand back {Count} leased message(s); they return when the lease ends")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, int count);
}
