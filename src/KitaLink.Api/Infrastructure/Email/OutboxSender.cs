using Microsoft.Extensions.Options;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>
/// Runs <see cref="OutboxProcessor"/> in a loop for the lifetime of the host. Database or SMTP outages
/// never end the loop: it logs, waits a little longer each time, and carries on, so mail written
/// while something was down goes out once it is back.
/// </summary>
public sealed partial class OutboxSender(OutboxProcessor processor, IOptions<OutboxOptions> options, ILogger<OutboxSender> logger) : BackgroundService
{
    private static readonly TimeSpan s_maxOutageDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the start-up path: the host does not wait for the first round.
        await Task.Yield();
        var settings = options.Value;
        var poll = TimeSpan.FromMilliseconds(settings.PollIntervalMilliseconds);
        var consecutiveErrors = 0;
        LogStarted(logger, settings.PollIntervalMilliseconds, settings.BatchSize);

        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                var result = await processor.ProcessBatchAsync(stoppingToken);
                consecutiveErrors = 0;
                // Whatever came in while this round was sending is due now: go again at once and sleep
                // only when a round found nothing. Under a burst (a facility issuing PINs for a whole
                // group at the start of the year) mail then waits for one round, not for a poll interval.
                delay = result.Claimed > 0 ? TimeSpan.Zero : poll;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                consecutiveErrors++;
                delay = OutageDelay(poll, consecutiveErrors);
                if (Data.DatabaseUnavailable.Cause(e) is { } cause)
                {
                    // Expected during a database restart: the cause is enough, the stack trace adds nothing.
                    LogRoundFailedDatabaseUnavailable(logger, consecutiveErrors, delay.TotalSeconds, cause);
                }
                else
                {
                    LogRoundFailed(logger, e, consecutiveErrors, delay.TotalSeconds);
                }
            }

            if (delay > TimeSpan.Zero)
            {
                // Real time on purpose: the injected TimeProvider is for timestamps, and a test clock
                // that only moves when told would stop the sender.
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

    /// <summary>Poll interval doubled per consecutive failed round, at most 30 seconds.</summary>
    internal static TimeSpan OutageDelay(TimeSpan poll, int consecutiveErrors)
    {
        var factor = Math.Pow(2, Math.Min(consecutiveErrors, 16));
        var delay = TimeSpan.FromMilliseconds(poll.TotalMilliseconds * factor);
        return delay < s_maxOutageDelay ? delay : s_maxOutageDelay;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox sender started (poll every {PollMilliseconds} ms, batches of {BatchSize})")]
    private static partial void LogStarted(ILogger logger, int pollMilliseconds, int batchSize);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox round failed ({Failures} in a row), database unavailable; next try in {DelaySeconds:0.#} s: {Cause}")]
    private static partial void LogRoundFailedDatabaseUnavailable(ILogger logger, int failures, double delaySeconds, string cause);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox round failed ({Failures} in a row); next try in {DelaySeconds:0.#} s")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, int failures, double delaySeconds);
}
