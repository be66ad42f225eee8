using System.Diagnostics;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Bench;

/// <summary>
/// Writes <c>--count</c> <c>pin_pair.created</c> events of the demo facility in one transaction (KitaLink's own event
/// writer), as a facility issuing the PINs of a whole group at once would. The running API fans them out to the
/// subscribed endpoint and delivers them; the webhook sink measures how fast.
/// </summary>
public static class WebhookBurstCommand
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var count = options.Int("count", 5000);
        await using var app = KitaLinkServices.Build(options);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        var events = ActivatorUtilities.CreateInstance<WebhookEvents>(scope.ServiceProvider);
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var guardians = await db.Guardians.AsNoTracking().OrderBy(g => g.Id).Select(g => new { g.Id, g.FacilityId, g.ChildId }).ToListAsync();
        if (guardians.Count == 0)
        {
            await Console.Error.WriteLineAsync("no guardians: start the API in Development once (demo data) before the burst");
            return 1;
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var g = guardians[i % guardians.Count];
            events.Raise(WebhookEventTypes.PinPairCreated, g.FacilityId,
                new PinPairEventData(g.ChildId, g.Id, Guid.CreateVersion7(), ExpiresAt: time.GetUtcNow().AddDays(14)));
        }
        await db.SaveChangesAsync();
        var result = new WebhookBurstResult(count, time.GetUtcNow(), watch.Elapsed.TotalMilliseconds);
        await File.WriteAllTextAsync(options.Required("out"), JsonSerializer.Serialize(result, Json.Options));
        Console.WriteLine($"wrote {count} webhook events in {result.WriteMs:F0} ms");
        return 0;
    }
}

public sealed record WebhookBurstResult(int Count, DateTimeOffset CommittedAt, double WriteMs);
