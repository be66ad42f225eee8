using System.Text.Json;
using Npgsql;

namespace KitaLink.Bench;

/// <summary>
/// Delivery figures of the PIN 2 mails created in a time window, from the outbox table itself:
/// created_at is written in the transaction that created the pair, sent_at when the SMTP server
/// accepted the message. Waits (bounded) until none of them is queued any more.
/// </summary>
public static class MailStatsCommand
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var since = options.Time("since") ?? throw new CommandLineException("--since is required.");
        var until = options.Time("until") ?? DateTimeOffset.UtcNow.AddYears(1);
        var wait = TimeSpan.FromSeconds(options.Int("wait-seconds", 60));
        await using var app = KitaLinkServices.Build(options);
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();

        var deadline = DateTimeOffset.UtcNow + wait;
        long queued;
        while ((queued = await CountQueuedAsync(dataSource, since, until)) > 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        await using var command = dataSource.CreateCommand("""
            SELECT status, created_at, sent_at
            FROM outbox_messages
            WHERE kind = 'pin2' AND created_at >= $1 AND created_at < $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = since });
        command.Parameters.Add(new NpgsqlParameter { Value = until });
        var latencies = new List<double>();
        long total = 0, failed = 0;
        DateTimeOffset? firstCreated = null, firstSent = null, lastSent = null;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                total++;
                var status = reader.GetString(0);
                var created = reader.GetFieldValue<DateTimeOffset>(1);
                firstCreated = firstCreated is null || created < firstCreated ? created : firstCreated;
                if (status == "failed")
                {
                    failed++;
                }
                if (status != "sent" || reader.IsDBNull(2))
                {
                    continue;
                }
                var sent = reader.GetFieldValue<DateTimeOffset>(2);
                latencies.Add((sent - created).TotalMilliseconds);
                firstSent = firstSent is null || sent < firstSent ? sent : firstSent;
                lastSent = lastSent is null || sent > lastSent ? sent : lastSent;
            }
        }
        latencies.Sort();
        var sentCount = latencies.Count;
        var result = new MailStatsResult(
            Total: total,
            Sent: sentCount,
            Failed: failed,
            Queued: total - sentCount - failed,
            LatencyP50Ms: Stats.Percentile(latencies, 50),
            LatencyP99Ms: Stats.Percentile(latencies, 99),
            LatencyMaxMs: sentCount == 0 ? double.NaN : latencies[^1],
            // From the first message's creation to the last acceptance: what a burst of this size costs end to end.
            EndToEndPerSecond: sentCount > 0 && lastSent > firstCreated ? sentCount / (lastSent.Value - firstCreated!.Value).TotalSeconds : double.NaN,
            // Between the first and the last acceptance: the sender's delivery rate while it had work.
            DeliveryPerSecond: sentCount > 1 && lastSent > firstSent ? (sentCount - 1) / (lastSent.Value - firstSent!.Value).TotalSeconds : double.NaN,
            FirstCreatedAt: firstCreated,
            FirstSentAt: firstSent,
            LastSentAt: lastSent);
        await File.WriteAllTextAsync(options.Required("out"), JsonSerializer.Serialize(result, Json.Options));
        if (options.Time("discard-since") is { } discardSince)
        {
            // Benchmark data only: mails the bounded wait did not see delivered must not delay the next scenario.
            await using var discard = dataSource.CreateCommand("""
                UPDATE outbox_messages
                SET status = 'failed', failed_at = now(), last_error = 'Discarded by the benchmark after its bounded wait.'
                WHERE kind = 'pin2' AND status = 'queued' AND created_at >= $1
                """);
            discard.Parameters.Add(new NpgsqlParameter { Value = discardSince });
            Console.WriteLine($"discarded {await discard.ExecuteNonQueryAsync()} mails still queued");
        }
        Console.WriteLine($"mails: {result.Sent}/{result.Total} sent, {result.Failed} failed, {result.Queued} still queued; " +
            $"delivery {result.DeliveryPerSecond:F0}/s, creation→SMTP p50 {result.LatencyP50Ms:F0} ms, p99 {result.LatencyP99Ms:F0} ms");
        return 0;
    }

    private static async Task<long> CountQueuedAsync(NpgsqlDataSource dataSource, DateTimeOffset since, DateTimeOffset until)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM outbox_messages WHERE kind = 'pin2' AND status = 'queued' AND created_at >= $1 AND created_at < $2");
        command.Parameters.Add(new NpgsqlParameter { Value = since });
        command.Parameters.Add(new NpgsqlParameter { Value = until });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

public sealed record MailStatsResult(
    long Total,
    long Sent,
    long Failed,
    long Queued,
    double LatencyP50Ms,
    double LatencyP99Ms,
    double LatencyMaxMs,
    double EndToEndPerSecond,
    double DeliveryPerSecond,
    DateTimeOffset? FirstCreatedAt,
    DateTimeOffset? FirstSentAt,
    DateTimeOffset? LastSentAt);
