using KitaLink.Api.Infrastructure.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>
/// Measures the outbox backlog for the metrics <c>kitalink.outbox.backlog</c> (queued messages, including those
/// waiting for a retry) and <c>kitalink.outbox.oldest_age</c> (seconds since the oldest of them was written):
/// one indexed query every <c>Telemetry:OutboxBacklogIntervalSeconds</c>. The values describe the shared
/// database, so every instance reports the same; alert on the maximum. Runs only when metrics are exported.
/// </summary>
public sealed partial class OutboxBacklog : BackgroundService
{
    private const string Sql = "SELECT count(*), min(created_at) FROM outbox_messages WHERE status = 'queued'";

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ILogger<OutboxBacklog> _logger;
    private long _queued;
    private DateTimeOffset? _oldest;

    public OutboxBacklog(NpgsqlDataSource dataSource, TimeProvider time, KitaLinkMetrics metrics, IOptions<TelemetryOptions> options, ILogger<OutboxBacklog> logger)
    {
        _dataSource = dataSource;
        _time = time;
        _interval = TimeSpan.FromSeconds(options.Value.OutboxBacklogIntervalSeconds);
        _logger = logger;
        metrics.Meter.CreateObservableGauge("kitalink.outbox.backlog", () => Interlocked.Read(ref _queued), "{message}",
            "Mail messages written but not yet accepted by the SMTP server (queued or waiting for a retry).");
        metrics.Meter.CreateObservableGauge("kitalink.outbox.oldest_age", OldestAgeSeconds, "s",
            "Age of the oldest queued mail message; 0 when nothing is queued.");
    }

    private double OldestAgeSeconds() =>
        _oldest is { } oldest ? Math.Max(0, (_time.GetUtcNow() - oldest).TotalSeconds) : 0;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var command = _dataSource.CreateCommand(Sql);
                await using var reader = await command.ExecuteReaderAsync(stoppingToken);
                await reader.ReadAsync(stoppingToken);
                Interlocked.Exchange(ref _queued, reader.GetInt64(0));
                _oldest = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The last values stay; the outbox sender and the 503 answers already report the outage.
                LogFailed(_logger, e.GetType().Name);
            }
            try
            {
                await Task.Delay(_interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox backlog could not be measured ({Reason})")]
    private static partial void LogFailed(ILogger logger, string reason);
}
