using System.Diagnostics;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using static KitaLink.IntegrationTests.Mail.OutboxTestData;

namespace KitaLink.IntegrationTests.Mail;

/// <summary>An instance with the background sender switched off, so tests drive processors themselves.</summary>
public sealed class ManualOutboxFactory : KitaLinkFactory
{
    public const int MaxAttempts = 3;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Outbox:Enabled"] = "false",
        ["Outbox:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A processor of its own, like the sender of another API instance on the same database.</summary>
    public OutboxProcessor NewProcessor() => ActivatorUtilities.CreateInstance<OutboxProcessor>(Services);
}

public sealed class OutboxProcessorTests(ManualOutboxFactory factory, ITestOutputHelper output) : IClassFixture<ManualOutboxFactory>
{
    [Fact]
    public async Task DisabledSender_LeavesMailQueued_UntilAProcessorRuns()
    {
        factory.CreateClient();
        var recipient = NewRecipient("disabled");
        var (id, _) = await EnqueuePin2Async(factory, recipient);

        await Task.Delay(600);
        var untouched = await LoadAsync(factory, id);
        Assert.Equal(OutboxMessageStatus.Queued, untouched.Status);
        Assert.Equal(0, untouched.Attempts);
        Assert.Empty(factory.Smtp.To(recipient));

        await DrainAsync(factory.NewProcessor());
        Assert.Equal(OutboxMessageStatus.Sent, (await LoadAsync(factory, id)).Status);
        Assert.Single(factory.Smtp.To(recipient));
    }

    [Fact]
    public async Task TwoProcessorsRunningConcurrently_DeliverEveryMessageExactlyOnce()
    {
        factory.CreateClient();
        const int count = 200;
        var recipients = Enumerable.Range(0, count).Select(i => NewRecipient($"burst{i}")).ToList();
        var ids = await EnqueueResetsAsync(factory, recipients);

        var first = factory.NewProcessor();
        var second = factory.NewProcessor();
        var clock = Stopwatch.StartNew();
        var claims = await Task.WhenAll(Task.Run(() => DrainAsync(first)), Task.Run(() => DrainAsync(second)));
        clock.Stop();
        output.WriteLine($"{count} mails over two processors in {clock.ElapsedMilliseconds} ms ({count / clock.Elapsed.TotalSeconds:0} mails/s); claimed {claims[0]} + {claims[1]}");

        foreach (var recipient in recipients)
        {
            Assert.Single(factory.Smtp.To(recipient));
        }
        Assert.Equal(count, claims.Sum());
        foreach (var id in ids)
        {
            var message = await LoadAsync(factory, id);
            Assert.Equal(OutboxMessageStatus.Sent, message.Status);
            Assert.Equal(1, message.Attempts);
        }
    }

    [Fact]
    public async Task TransientFailures_UntilMaxAttempts_FailTheMessage_WithTheLastError()
    {
        factory.CreateClient();
        var recipient = NewRecipient("gaveup");
        var (id, context) = await EnqueuePin2Async(factory, recipient);
        var processor = factory.NewProcessor();
        await factory.Smtp.StopAsync();
        try
        {
            for (var attempt = 1; attempt < ManualOutboxFactory.MaxAttempts; attempt++)
            {
                await DrainAsync(processor);
                var queued = await LoadAsync(factory, id);
                Assert.Equal(OutboxMessageStatus.Queued, queued.Status);
                Assert.Equal(attempt, queued.Attempts);
                factory.Time.Advance(queued.NextAttemptAt - factory.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
            }
            await DrainAsync(processor);
        }
        finally
        {
            factory.Smtp.Start();
        }

        var failed = await LoadAsync(factory, id);
        Assert.Equal(OutboxMessageStatus.Failed, failed.Status);
        Assert.Equal(ManualOutboxFactory.MaxAttempts, failed.Attempts);
        Assert.StartsWith($"No delivery after {ManualOutboxFactory.MaxAttempts} attempts. Last error: ", failed.LastError);
        Assert.Null(failed.ProtectedTextBody);
        Assert.Equal(AuditActions.Pin2Failed, Assert.Single(await AuditOfPairAsync(factory, context.PinPairId)).Action);
    }

    [Fact]
    public async Task BackoffGrows_BetweenConsecutiveAttempts()
    {
        factory.CreateClient();
        var (id, _) = await EnqueuePin2Async(factory, NewRecipient("backoff"));
        var processor = factory.NewProcessor();
        await factory.Smtp.StopAsync();
        try
        {
            await DrainAsync(processor);
            var first = await LoadAsync(factory, id);
            var firstDelay = first.NextAttemptAt - first.LastAttemptAt!.Value;
            factory.Time.Advance(firstDelay + TimeSpan.FromSeconds(1));
            await DrainAsync(processor);
            var second = await LoadAsync(factory, id);
            var secondDelay = second.NextAttemptAt - second.LastAttemptAt!.Value;

            Assert.InRange(firstDelay, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(15));
            Assert.InRange(secondDelay, TimeSpan.FromSeconds(24), TimeSpan.FromSeconds(30));
        }
        finally
        {
            factory.Smtp.Start();
            factory.Time.Advance(TimeSpan.FromMinutes(5));
            await DrainAsync(processor);
        }
    }

    [Fact]
    public async Task MessageLeasedByAnotherInstance_IsLeftAlone_UntilItsLeaseRunsOut()
    {
        factory.CreateClient();
        var recipient = NewRecipient("leased");
        var (id, _) = await EnqueuePin2Async(factory, recipient);
        // Another instance claimed it and then died mid-batch.
        await using (var connection = new NpgsqlConnection(factory.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("UPDATE outbox_messages SET leased_until = @until WHERE id = @id", connection);
            command.Parameters.AddWithValue("until", factory.Time.GetUtcNow().AddMinutes(5));
            command.Parameters.AddWithValue("id", id);
            await command.ExecuteNonQueryAsync();
        }

        var processor = factory.NewProcessor();
        await DrainAsync(processor);
        Assert.Equal(0, (await LoadAsync(factory, id)).Attempts);
        Assert.Empty(factory.Smtp.To(recipient));

        factory.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await DrainAsync(processor);
        Assert.Equal(OutboxMessageStatus.Sent, (await LoadAsync(factory, id)).Status);
        Assert.Single(factory.Smtp.To(recipient));
    }

    /// <summary>Runs rounds until nothing is due; returns how many messages this processor claimed.</summary>
    private static async Task<int> DrainAsync(OutboxProcessor processor)
    {
        var claimed = 0;
        while (true)
        {
            var result = await processor.ProcessBatchAsync();
            if (result.Claimed == 0)
            {
                return claimed;
            }
            claimed += result.Claimed;
        }
    }
}
