using KitaLink.Api.Infrastructure.Email;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.MailEvents;

/// <summary>
/// Runs <see cref="BounceMailbox"/> for the lifetime of the host (when <c>Bounces:Imap:Host</c> is set). Nothing
/// ends the loop: an unreachable IMAP server or database is logged and retried with a growing pause, so bounces
/// that arrive meanwhile are read once both are back.
/// </summary>
public sealed partial class BounceMailboxReader(BounceMailbox mailbox, IOptions<BounceOptions> options, ILogger<BounceMailboxReader> logger) : BackgroundService
{
    private static readonly TimeSpan s_maxOutageDelay = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var imap = options.Value.Imap;
        var poll = TimeSpan.FromSeconds(imap.PollIntervalSeconds);
        var failures = 0;
        LogStarted(logger, imap.Host!, imap.Folder, imap.PollIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                var result = await mailbox.ProcessOnceAsync(stoppingToken);
                failures = 0;
                // A full batch means more are waiting: go again at once.
                delay = result.Seen >= imap.BatchSize ? TimeSpan.Zero : poll;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                var factor = Math.Pow(2, Math.Min(failures, 10));
                delay = TimeSpan.FromSeconds(Math.Min(poll.TotalSeconds * factor, s_maxOutageDelay.TotalSeconds));
                LogRoundFailed(logger, e, failures, delay.TotalSeconds);
            }
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce mailbox reader started ({Host}, folder {Folder}, every {PollSeconds} s)")]
    private static partial void LogStarted(ILogger logger, string host, string folder, int pollSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bounce mailbox round failed ({Failures} in a row); next try in {DelaySeconds:0.#} s")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, int failures, double delaySeconds);
}
