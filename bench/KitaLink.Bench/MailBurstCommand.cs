using System.Diagnostics;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Pins;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Bench;

/// <summary>
/// Enqueues <c>--count</c> PIN 2 mails (KitaLink's real template and outbox writer, one transaction),
/// the way a facility onboarding day puts many pairs into the outbox at once. The running API's
/// outbox sender then delivers them to the SMTP sink; <c>mail-stats</c> measures how fast.
/// </summary>
public static class MailBurstCommand
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var count = options.Int("count", 2000);
        await using var app = KitaLinkServices.Build(options);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        var outbox = ActivatorUtilities.CreateInstance<MailOutbox>(scope.ServiceProvider);
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();

        var recipients = await db.Guardians.AsNoTracking()
            .OrderBy(g => g.Id)
            .Take(count)
            .Select(g => new { g.Id, g.FacilityId, g.ChildId, g.Name, g.Email, ChildFirstName = g.Child!.FirstName })
            .ToListAsync();
        var facilityNames = await db.Facilities.AsNoTracking().ToDictionaryAsync(f => f.Id, f => f.Name);

        var watch = Stopwatch.StartNew();
        var startedAt = time.GetUtcNow();
        var expires = startedAt.AddDays(14);
        foreach (var r in recipients)
        {
            var content = Pin2Mail.Content(new Pin2MailModel(r.Name, r.ChildFirstName, facilityNames[r.FacilityId], "ABCD-EFGH", expires));
            outbox.Enqueue(OutboxMessageKind.Pin2, r.Email, content).About(r.FacilityId, r.ChildId, r.Id);
        }
        await db.SaveChangesAsync();
        var result = new MailBurstResult(recipients.Count, startedAt, time.GetUtcNow(), watch.Elapsed.TotalMilliseconds);
        await File.WriteAllTextAsync(options.Required("out"), JsonSerializer.Serialize(result, Json.Options));
        Console.WriteLine($"enqueued {result.Count} PIN 2 mails in {result.EnqueueMs:F0} ms");
        return 0;
    }
}

public sealed record MailBurstResult(int Count, DateTimeOffset StartedAt, DateTimeOffset CommittedAt, double EnqueueMs);
