using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Telemetry;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace KitaLink.Api.MailEvents;

/// <summary>What one round of the bounce mailbox reader did.</summary>
public sealed record BounceRoundResult(int Seen, int Recorded, int Duplicates, int Ignored, int Rejected)
{
    public static readonly BounceRoundResult Empty = new(0, 0, 0, 0, 0);

    /// <summary>Where the round's time went (connect and search, fetch and parse, record, move), for the benchmark.</summary>
    public TimeSpan[] Phases { get; init; } = [];
}

/// <summary>
/// One round of the bounce mailbox: read up to a batch of messages from the IMAP folder, record what each one
/// reports through <see cref="MailDeliveryEvents"/>, then move it out of the way: handled ones (recorded, recorded
/// before, auto-replies) to the processed folder, unusable ones (too big, unreadable, not about our mail) to the
/// rejected folder, where an operator can look at them.
/// Several instances may read one mailbox: a bounce two of them read at once is recorded by one (the unique event
/// key), and a message recorded before a crash but not moved is found recorded on the next round and only moved.
/// A message stays in the folder only when recording failed (the database is away), so nothing is lost.
/// </summary>
public sealed partial class BounceMailbox(
    IServiceScopeFactory scopes,
    IOptions<BounceOptions> options,
    TimeProvider time,
    KitaLinkMetrics metrics,
    ILogger<BounceMailbox> logger)
{
    private readonly BounceOptions _options = options.Value;

    public async Task<BounceRoundResult> ProcessOnceAsync(CancellationToken cancellationToken)
    {
        var imap = _options.Imap;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var phases = new List<TimeSpan>();
        using var client = new ImapClient { Timeout = imap.TimeoutSeconds * 1000 };
        var tls = imap.UseTls switch
        {
            null when imap.Port == 993 => SecureSocketOptions.SslOnConnect,
            null => SecureSocketOptions.StartTlsWhenAvailable,
            true when imap.Port == 993 => SecureSocketOptions.SslOnConnect,
            true => SecureSocketOptions.StartTls,
            false => SecureSocketOptions.None,
        };
        await client.ConnectAsync(imap.Host!, imap.Port, tls, cancellationToken);
        if (!string.IsNullOrEmpty(imap.Username))
        {
            await client.AuthenticateAsync(imap.Username, imap.Password ?? "", cancellationToken);
        }
        var inbox = await client.GetFolderAsync(imap.Folder, cancellationToken);
        var processed = await EnsureFolderAsync(client, imap.ProcessedFolder, cancellationToken);
        var rejected = await EnsureFolderAsync(client, imap.RejectedFolder, cancellationToken);
        await inbox.OpenAsync(FolderAccess.ReadWrite, cancellationToken);

        var uids = (await inbox.SearchAsync(SearchQuery.NotDeleted, cancellationToken)).Take(imap.BatchSize).ToList();
        if (uids.Count == 0)
        {
            await client.DisconnectAsync(true, cancellationToken);
            return BounceRoundResult.Empty;
        }
        var summaries = await inbox.FetchAsync(uids, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, cancellationToken);
        var sizes = summaries.ToDictionary(s => s.UniqueId, s => s.Size ?? 0);

        phases.Add(clock.Elapsed);
        var toProcessed = new List<UniqueId>();
        var toRejected = new List<UniqueId>();
        var wanted = new List<UniqueId>();
        foreach (var uid in uids)
        {
            if (!sizes.TryGetValue(uid, out var size))
            {
                continue; // expunged meanwhile (another instance moved it)
            }
            if (size > imap.MaxMessageBytes)
            {
                LogTooBig(logger, uid.Id, size);
                toRejected.Add(uid);
                continue;
            }
            wanted.Add(uid);
        }

        // All messages of the batch in one FETCH; a message another instance moved meanwhile simply does not come back.
        var readings = new Dictionary<UniqueId, BounceReading>();
        if (wanted.Count > 0)
        {
            await ((ImapFolder)inbox).GetStreamsAsync(wanted, async (_, _, uid, stream, token) =>
            {
                try
                {
                    using var message = await MimeMessage.LoadAsync(stream, token);
                    readings[uid] = BounceParser.Read(message, _options, time.GetUtcNow());
                }
                catch (Exception e) when (e is FormatException or ParseException or ArgumentException or InvalidOperationException or System.Text.DecoderFallbackException)
                {
                    LogUnreadable(logger, uid.Id, e.GetType().Name);
                    toRejected.Add(uid);
                }
            }, cancellationToken);
        }

        phases.Add(clock.Elapsed);
        int recorded = 0, duplicates = 0, ignored = 0;
        var reports = new List<(UniqueId Uid, MailDeliveryReport Report)>();
        foreach (var uid in wanted.Where(readings.ContainsKey))
        {
            var reading = readings[uid];
            switch (reading.Kind)
            {
                case BounceKind.AutoReply:
                    ignored++;
                    toProcessed.Add(uid);
                    break;
                case BounceKind.Unusable:
                    LogUnusable(logger, uid.Id, reading.Why);
                    toRejected.Add(uid);
                    break;
                default:
                    reports.Add((uid, reading.Report!));
                    break;
            }
        }
        if (reports.Count > 0)
        {
            // A failure here (database away) leaves the messages in the folder for the next round.
            await using var scope = scopes.CreateAsyncScope();
            var events = scope.ServiceProvider.GetRequiredService<MailDeliveryEvents>();
            var results = await events.RecordAsync(reports.Select(r => r.Report).ToList(), cancellationToken);
            for (var i = 0; i < reports.Count; i++)
            {
                switch (results[i])
                {
                    case MailDeliveryRecordResult.Recorded: recorded++; toProcessed.Add(reports[i].Uid); break;
                    case MailDeliveryRecordResult.Duplicate: duplicates++; toProcessed.Add(reports[i].Uid); break;
                    default: toRejected.Add(reports[i].Uid); break;
                }
            }
        }

        phases.Add(clock.Elapsed);
        await MoveAsync(inbox, toProcessed, processed, cancellationToken);
        await MoveAsync(inbox, toRejected, rejected, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
        metrics.BouncesRead(recorded, duplicates, ignored, toRejected.Count);
        phases.Add(clock.Elapsed);
        return new BounceRoundResult(uids.Count, recorded, duplicates, ignored, toRejected.Count)
        {
            Phases = phases.Select((p, i) => i == 0 ? p : p - phases[i - 1]).ToArray(),
        };
    }

    /// <summary>
    /// Moves what is still there. Another instance may have moved some of the messages already, and servers refuse a
    /// MOVE naming a message that is gone ("NO Some of the requested messages no longer exist"); the rest is moved
    /// after a fresh look. Whatever still cannot be moved stays, and the next round finds it recorded and moves it.
    /// </summary>
    private async Task MoveAsync(IMailFolder inbox, List<UniqueId> uids, IMailFolder target, CancellationToken cancellationToken)
    {
        for (var attempt = 0; uids.Count > 0 && attempt < 3; attempt++)
        {
            try
            {
                await inbox.MoveToAsync(uids, target, cancellationToken);
                return;
            }
            catch (ImapCommandException)
            {
                uids = (await inbox.SearchAsync(SearchQuery.Uids(uids), cancellationToken)).ToList();
            }
        }
        if (uids.Count > 0)
        {
            LogMoveDeferred(logger, uids.Count);
        }
    }

    private static async Task<IMailFolder> EnsureFolderAsync(ImapClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFolderAsync(name, cancellationToken);
        }
        catch (FolderNotFoundException)
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            try
            {
                return await root.CreateAsync(name, isMessageFolder: true, cancellationToken) ?? await client.GetFolderAsync(name, cancellationToken);
            }
            catch (ImapCommandException)
            {
                // Another instance created it a moment ago.
                return await client.GetFolderAsync(name, cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce mailbox: {Count} message(s) could not be moved this round; the next round moves them")]
    private static partial void LogMoveDeferred(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bounce mailbox: message {Uid} is {Size} bytes, over the limit; moved to the rejected folder")]
    private static partial void LogTooBig(ILogger logger, uint uid, ulong size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bounce mailbox: message {Uid} could not be read ({Error}); moved to the rejected folder")]
    private static partial void LogUnreadable(ILogger logger, uint uid, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce mailbox: message {Uid} is no delivery report for our mail ({Why}); moved to the rejected folder")]
    private static partial void LogUnusable(ILogger logger, uint uid, string why);
}
