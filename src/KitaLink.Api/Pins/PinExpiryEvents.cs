using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Webhooks;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace KitaLink.Api.Pins;

/// <summary>
/// <c>pin_pair.expired</c>: expiry is not a stored transition (it follows from <see cref="PinPair.ExpiresAt"/>), so
/// a sweep writes the event for pairs that expired unredeemed. Several instances may sweep at once: the
/// event's <c>once_for</c> key (the pair) is unique, and a second insert does nothing.
/// </summary>
public sealed class PinExpiryEvents(KitaLinkDbContext db, NpgsqlDataSource dataSource, TimeProvider time)
{
    /// <summary>Pairs that expired longer ago are not announced any more (e.g. on the first start with webhooks).</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromDays(7);

    private const int MaxPerSweep = 500;

    private const string InsertSql = """
        INSERT INTO webhook_events (id, type, facility_id, occurred_at, payload, once_for)
        VALUES (@id, @type, @facility_id, @occurred_at, @payload, @once_for)
        ON CONFLICT (type, once_for) WHERE once_for IS NOT NULL DO NOTHING
        """;

    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var since = now - Lookback;
        var expired = await db.PinPairs.AsNoTracking()
            .Where(p => p.State == PinPairState.Pending && p.ExpiresAt <= now && p.ExpiresAt > since
                && !db.WebhookEvents.Any(e => e.Type == WebhookEventTypes.PinPairExpired && e.OnceFor == p.Id))
            .OrderBy(p => p.ExpiresAt)
            .Take(MaxPerSweep)
            .Select(p => new { p.Id, p.FacilityId, p.ChildId, p.GuardianId, p.ExpiresAt })
            .ToListAsync(cancellationToken);
        var written = 0;
        foreach (var pair in expired)
        {
            var webhookEvent = WebhookEvents.Create(WebhookEventTypes.PinPairExpired, pair.FacilityId,
                new PinPairEventData(pair.ChildId, pair.GuardianId, pair.Id, ExpiresAt: pair.ExpiresAt), null, pair.ExpiresAt);
            await using var command = dataSource.CreateCommand(InsertSql);
            command.Parameters.Add(new NpgsqlParameter<Guid>("id", NpgsqlDbType.Uuid) { TypedValue = webhookEvent.Id });
            command.Parameters.Add(new NpgsqlParameter<string>("type", NpgsqlDbType.Text) { TypedValue = webhookEvent.Type });
            command.Parameters.Add(new NpgsqlParameter<Guid>("facility_id", NpgsqlDbType.Uuid) { TypedValue = pair.FacilityId });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("occurred_at", NpgsqlDbType.TimestampTz) { TypedValue = webhookEvent.OccurredAt });
            command.Parameters.Add(new NpgsqlParameter<string>("payload", NpgsqlDbType.Text) { TypedValue = webhookEvent.Payload });
            command.Parameters.Add(new NpgsqlParameter<Guid>("once_for", NpgsqlDbType.Uuid) { TypedValue = pair.Id });
            written += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return written;
    }
}
