using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Mail;

/// <summary>Writes mail the way the features do (MailOutbox in a scope, then SaveChanges) and reads back what the sender did.</summary>
internal static class OutboxTestData
{
    public const string Pin2 = "K7QM-R4TZ";

    public static string NewRecipient(string prefix = "eltern") => $"{prefix}.{Guid.NewGuid():N}@example.com";

    public sealed record Pin2Context(Guid FacilityId, Guid ChildId, Guid GuardianId, Guid PinPairId);

    public static async Task<(Guid Id, Pin2Context Context)> EnqueuePin2Async(KitaLinkFactory factory, string recipient, string pin2 = Pin2)
    {
        var context = new Pin2Context(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<MailOutbox>();
        var content = Pin2Mail.Content(new Pin2MailModel("Julia Schneider", "Mia", "Kita Sonnenschein", pin2, factory.Time.GetUtcNow().AddDays(14)));
        var message = outbox.Enqueue(OutboxMessageKind.Pin2, recipient, content)
            .About(context.FacilityId, context.ChildId, context.GuardianId, context.PinPairId);
        await db.SaveChangesAsync();
        return (message.Id, context);
    }

    public static async Task<List<Guid>> EnqueueResetsAsync(KitaLinkFactory factory, IEnumerable<string> recipients)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<MailOutbox>();
        var ids = new List<Guid>();
        foreach (var recipient in recipients)
        {
            var content = MailTemplates.PasswordReset(new PasswordResetMailModel("reset-" + Guid.NewGuid().ToString("N"), factory.Time.GetUtcNow().AddHours(1)));
            ids.Add(outbox.Enqueue(OutboxMessageKind.PasswordReset, recipient, content).About(accountId: Guid.NewGuid()).Id);
        }
        await db.SaveChangesAsync();
        return ids;
    }

    public static async Task<OutboxMessage> LoadAsync(KitaLinkFactory factory, Guid id)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        return await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == id);
    }

    public static async Task<List<AuditEvent>> AuditOfPairAsync(KitaLinkFactory factory, Guid pinPairId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        return await db.AuditEvents.AsNoTracking().Where(e => e.PinPairId == pinPairId).OrderBy(e => e.Id).ToListAsync();
    }

    /// <summary>Polls the database until the message satisfies <paramref name="condition"/> (the sender runs on its own schedule).</summary>
    public static async Task<OutboxMessage> WaitForAsync(KitaLinkFactory factory, Guid id, Func<OutboxMessage, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var message = await LoadAsync(factory, id);
            if (condition(message))
            {
                return message;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Outbox message {id} did not reach the expected state; it is {message.Status} after {message.Attempts} attempt(s), last error: {message.LastError}");
            }
            await Task.Delay(50);
        }
    }
}
