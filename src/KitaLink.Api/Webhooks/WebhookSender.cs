using System.Diagnostics;
using KitaLink.Api.Pins;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Webhooks;

/// <summary>
/// Runs <see cref="WebhookProcessor"/> in a loop for the lifetime of the host, and every
/// <c>Webhooks:ExpirySweepSeconds</c> writes the <c>pin_pair.expired</c> events that fell due. Outages never end
/// the loop: it logs, waits a little longer each time, and carries on.
/// </summary>
public sealed partial class WebhookSender(
    WebhookProcessor processor,
    IServiceScopeFactory scopes,
    IOptions<WebhookOptions> options,
    ILogger<WebhookSender> logger) : BackgroundService
{
    private static readonly TimeSpan s_maxOutageDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value;
        var poll = TimeSpan.FromMilliseconds(settings.PollIntervalMilliseconds);
        var sweepEvery = TimeSpan.FromSeconds(settings.ExpirySweepSeconds);
        Stopwatch? sinceSweep = null;
        var consecutiveErrors = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                if (sinceSweep is null || sinceSweep.Elapsed >= sweepEvery)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<PinExpiryEvents>().SweepAsync(stoppingToken);
                    sinceSweep = Stopwatch.StartNew();
                }
                var result = await processor.ProcessBatchAsync(stoppingToken);
                consecutiveErrors = 0;
                // Whatever arrived while this round was sending is due now: go again at once while there is work.
                delay = result.Claimed > 0 || result.FannedOut > 0 ? TimeSpan.Zero : poll;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                consecutiveErrors++;
                var factor = Math.Pow(2, Math.Min(consecutiveErrors, 16));
                delay = TimeSpan.FromMilliseconds(Math.Min(poll.TotalMilliseconds * factor, s_maxOutageDelay.TotalMilliseconds));
                if (Infrastructure.Data.DatabaseUnavailable.Cause(e) is { } cause)
                {
                    LogRoundFailedDatabaseUnavailable(logger, consecutiveErrors, delay.TotalSeconds, cause);
                }
                else
                {
                    LogRoundFailed(logger, e, consecutiveErrors, delay.TotalSeconds);
                }
            }

            if (delay > TimeSpan.Zero)
            {
                // Real time on purpose: a test clock that only moves when told would stop the sender.
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook round failed ({Failures} in a row), database unavailable; next try in {DelaySeconds:0.#} s: {Cause}")]
    private static partial void LogRoundFailedDatabaseUnavailable(ILogger logger, int failures, double delaySeconds, string cause);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook round failed ({Failures} in a row); next try in {DelaySeconds:0.#} s")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, int failures, double delaySeconds);
}
