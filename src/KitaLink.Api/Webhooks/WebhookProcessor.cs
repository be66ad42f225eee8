using System.Collections.Concurrent;
using System.Diagnostics;
using KitaLink.Api.Infrastructure.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace KitaLink.Api.Webhooks;

/// <summary>What one round of the sender did.</summary>
public sealed record WebhookBatchResult(int FannedOut, int Claimed, int Succeeded, int Retrying, int Failed);

/// <summary>
/// One round of webhook delivery: fan new events out to the endpoints subscribed to them, claim due deliveries
/// under a lease (the technique of the mail outbox: <c>FOR UPDATE SKIP LOCKED</c> and a lease end), send them
/// concurrently, record each outcome. Any number of instances may run it against one database: a delivery is
/// in the hands of one of them at a time, and each event gets one delivery per endpoint (a unique index).
/// </summary>
public sealed partial class WebhookProcessor(
    IServiceScopeFactory scopes,
    NpgsqlDataSource dataSource,
    WebhookHttp http,
    IDataProtectionProvider dataProtection,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookProcessor> logger)
{
    public const string SecretProtectionPurpose = "KitaLink.Webhooks.Secret.v1";

    /// <summary>
    /// Turns new events into deliveries, one per active endpoint of the event's facility (or of every facility)
    /// that subscribes to its type, and marks them fanned out, in one statement. Events locked by another
    /// instance's fan-out are skipped; the unique (event, endpoint) index makes a second fan-out harmless.
    /// </summary>
    private const string FanOutSql = """
        WITH fresh AS (
            SELECT id, type, facility_id FROM webhook_events
            WHERE fanned_out_at IS NULL
            ORDER BY occurred_at
            LIMIT @batch
            FOR UPDATE SKIP LOCKED),
        made AS (
            INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, attempts, created_at, retry_from, next_attempt_at)
            SELECT gen_random_uuid(), f.id, e.id, 'pending', 0, @now, @now, @now
            FROM fresh f
            JOIN webhook_endpoints e
              ON (e.facility_id = f.facility_id OR e.facility_id IS NULL)
             AND e.status = 'active'
             AND f.type = ANY(e.event_types)
            ON CONFLICT (event_id, endpoint_id) DO NOTHING)
        UPDATE webhook_events SET fanned_out_at = @now WHERE id IN (SELECT id FROM fresh)
        """;

    /// <summary>Claims due, unleased deliveries of active endpoints (see the mail outbox's claim for the reasoning).</summary>
    private const string ClaimSql = """
        UPDATE webhook_deliveries SET leased_until = @lease_end
        WHERE id IN (
            SELECT d.id FROM webhook_deliveries d
            JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.status = 'active'
            WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND (d.leased_until IS NULL OR d.leased_until < @now)
            ORDER BY d.next_attempt_at
            LIMIT @batch
            FOR UPDATE OF d SKIP LOCKED)
        RETURNING id
        """;

    private readonly WebhookOptions _options = options.Value;
    private readonly IDataProtector _secrets = dataProtection.CreateProtector(SecretProtectionPurpose);

    public async Task<WebhookBatchResult> ProcessBatchAsync(CancellationToken cancellationToken = default)
    {
        var elapsed = Stopwatch.StartNew();
        var now = time.GetUtcNow().ToUniversalTime();
        var fannedOut = await FanOutAsync(now, cancellationToken);
        var leaseEnd = now.AddSeconds(_options.LeaseSeconds);
        var ids = await LeasedClaims.ClaimAsync(dataSource, ClaimSql, now, leaseEnd, _options.BatchSize, cancellationToken);
        if (ids.Count == 0)
        {
            return new WebhookBatchResult(fannedOut, 0, 0, 0, 0);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        var deliveries = await db.WebhookDeliveries.Where(d => ids.Contains(d.Id)).OrderBy(d => d.NextAttemptAt).ToListAsync(cancellationToken);
        var eventIds = deliveries.Select(d => d.EventId).Distinct().ToList();
        var endpointIds = deliveries.Select(d => d.EndpointId).Distinct().ToList();
        var events = await db.WebhookEvents.AsNoTracking().Where(e => eventIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, cancellationToken);
        var endpoints = await db.WebhookEndpoints.Where(e => endpointIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, cancellationToken);
        var secrets = endpoints.Values.ToDictionary(e => e.Id, e => _secrets.Unprotect(e.ProtectedSecret));

        // Stop starting requests well before the lease ends: another instance may take the delivery after it.
        var sendWindow = TimeSpan.FromSeconds(_options.LeaseSeconds - (2 * _options.TimeoutSeconds));
        var results = new ConcurrentDictionary<Guid, WebhookAttemptResult>();
        await Parallel.ForEachAsync(
            deliveries,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken },
            async (delivery, ct) =>
            {
                if (elapsed.Elapsed > sendWindow)
                {
                    return;
                }
                var endpoint = endpoints[delivery.EndpointId];
                var webhookEvent = events[delivery.EventId];
                results[delivery.Id] = await http.SendAsync(
                    endpoint.Url, secrets[endpoint.Id], WebhookEvents.MessageId(webhookEvent.Id), webhookEvent.PayloadFor(endpoint), ct);
            });

        int succeeded = 0, retrying = 0, failed = 0;
        var recordedAt = time.GetUtcNow();
        foreach (var delivery in deliveries)
        {
            var endpoint = endpoints[delivery.EndpointId];
            if (!results.TryGetValue(delivery.Id, out var result))
            {
                delivery.Release();
                continue;
            }
            if (result.Succeeded)
            {
                delivery.RecordSuccess(result.ResponseStatus ?? 200, recordedAt);
                endpoint.RecordSuccess(recordedAt);
                succeeded++;
                continue;
            }
            var error = result.Error ?? "Failed.";
            var next = WebhookRetries.NextAttempt(delivery.Attempts + 1, delivery.RetryFrom, recordedAt, _options);
            delivery.RecordFailure(result.ResponseStatus, error, recordedAt, next);
            endpoint.RecordFailure(recordedAt);
            if (next is null)
            {
                failed++;
                LogGaveUp(logger, delivery.Id, endpoint.Id, delivery.Attempts, error);
                if (endpoint.DisableWhenFailingSince(delivery.RetryFrom, error, recordedAt))
                {
                    LogEndpointDisabled(logger, endpoint.Id, endpoint.FacilityId);
                }
            }
            else
            {
                retrying++;
                LogRetrying(logger, delivery.Id, endpoint.Id, delivery.Attempts, next.Value, error);
            }
        }
        await db.SaveChangesAsync(CancellationToken.None);
        return new WebhookBatchResult(fannedOut, ids.Count, succeeded, retrying, failed);
    }

    private async Task<int> FanOutAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(FanOutSql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", NpgsqlDbType.TimestampTz) { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<int>("batch", NpgsqlDbType.Integer) { TypedValue = _options.BatchSize });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId} to endpoint {EndpointId} failed (attempt {Attempts}), next try at {NextAttemptAt:O}: {Error}")]
    private static partial void LogRetrying(ILogger logger, Guid deliveryId, Guid endpointId, int attempts, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} to endpoint {EndpointId} failed for good after {Attempts} attempt(s): {Error}")]
    private static partial void LogGaveUp(ILogger logger, Guid deliveryId, Guid endpointId, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} (facility {FacilityId}) disabled after persistent failure")]
    private static partial void LogEndpointDisabled(ILogger logger, Guid endpointId, Guid? facilityId);
}
