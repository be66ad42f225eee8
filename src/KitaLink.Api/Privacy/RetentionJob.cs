using Microsoft.Extensions.Options;
using Npgsql;

namespace KitaLink.Api.Privacy;

/// <summary>Runs the retention rules every <see cref="RetentionOptions.Interval"/> (first round at start-up).</summary>
internal sealed partial class RetentionJob(
    IServiceScopeFactory scopes,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using (var scope = scopes.CreateAsyncScope())
                {
                    var result = await scope.ServiceProvider.GetRequiredService<RetentionSweep>().RunAsync(stoppingToken);
                    if (result is null)
                    {
                        LogSkipped(logger);
                    }
                    else
                    {
                        LogRound(logger, result.PinPairsWiped, result.WrongEmailAttemptsDeleted, result.RefreshTokensDeleted,
                            result.ResetTokensDeleted, result.RateLimitCountersDeleted, result.AuditEventsAnonymised);
                    }
                }
                await Task.Delay(options.Value.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The database may be briefly away; the next round catches up (nothing is lost by waiting).
                LogFailed(logger, ex);
                await Task.Delay(options.Value.Interval, time, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention round: {Pairs} PIN pairs wiped, {Attempts} wrong-email attempts, {Refresh} refresh tokens, {Resets} reset tokens, {Counters} rate-limit counters deleted, {Audit} audit events anonymised")]
    private static partial void LogRound(ILogger logger, int pairs, int attempts, int refresh, int resets, int counters, int audit);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Retention round skipped: another instance holds the lock")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention round failed; retrying next round")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
