using System.Globalization;
using System.Text;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using static KitaLink.Api.Infrastructure.Email.MailTemplates;

namespace KitaLink.Api.Pins;

/// <summary>What a reminder mail says. No PIN: only the expiry and what to do.</summary>
public sealed record PinReminderMailModel(string GuardianName, string ChildFirstName, string FacilityName, DateTimeOffset ExpiresAt, DateTimeOffset Pin2IssuedAt);

/// <summary>
/// Reminder mails to guardians whose PIN pair is still pending <c>Reminders:Days</c> after it was created, through the
/// outbox. Never for a pair that was redeemed, revoked, locked or has expired, nor while its PIN 2 mail bounced or
/// failed (the address is the problem then, and staff see it in the help desk view). A pair overdue for several
/// reminders (the job was off) gets only the latest. The unique (pair, number) index makes each reminder go out once
/// with any number of instances; at delivery time the outbox asks again (<see cref="PinReminderMail"/>).
/// </summary>
public sealed partial class PinReminders(
    IServiceScopeFactory scopes, IOptions<PinReminderOptions> options, TimeProvider time, ILogger<PinReminders> logger)
{
    private sealed record Due(Guid PairId, Guid FacilityId, Guid ChildId, Guid GuardianId, string Email, string GuardianName,
        string ChildFirstName, string FacilityName, DateTimeOffset ExpiresAt, DateTimeOffset Pin2IssuedAt, int Number);

    /// <summary>Queues the reminders due now; returns how many.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var days = options.Value.DayList;
        if (days.Count == 0)
        {
            return 0;
        }
        var now = time.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        var queued = 0;
        // The latest reminder first: a pair overdue for reminder 2 gets reminder 2, never 1 and then 2.
        for (var number = days.Count; number >= 1; number--)
        {
            var due = await DueAsync(db, number, now - TimeSpan.FromDays(days[number - 1]), now, cancellationToken);
            foreach (var pair in due)
            {
                if (await QueueAsync(scope.ServiceProvider, db, pair, now, cancellationToken))
                {
                    queued++;
                }
            }
        }
        return queued;
    }

    private Task<List<Due>> DueAsync(KitaLinkDbContext db, int number, DateTimeOffset createdBefore, DateTimeOffset now, CancellationToken cancellationToken) =>
        (from p in db.PinPairs.AsNoTracking()
         join g in db.Guardians on p.GuardianId equals g.Id
         join c in db.Children on p.ChildId equals c.Id
         join f in db.Facilities on p.FacilityId equals f.Id
         join m in db.OutboxMessages on p.Pin2MessageId equals m.Id
         where p.State == PinPairState.Pending && p.ExpiresAt > now && p.CreatedAt <= createdBefore
               && m.Status != OutboxMessageStatus.Bounced && m.Status != OutboxMessageStatus.Failed && m.Status != OutboxMessageStatus.Queued
               && !db.PinReminders.Any(r => r.PinPairId == p.Id && r.Number >= number)
         orderby p.CreatedAt
         select new Due(p.Id, p.FacilityId, p.ChildId, p.GuardianId, p.GuardianEmail, g.Name, c.FirstName, f.Name, p.ExpiresAt, p.Pin2IssuedAt, number))
        .Take(options.Value.BatchSize)
        .ToListAsync(cancellationToken);

    private async Task<bool> QueueAsync(IServiceProvider services, KitaLinkDbContext db, Due pair, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outbox = services.GetRequiredService<MailOutbox>();
        var audit = services.GetRequiredService<AuditTrail>();
        var message = outbox.Enqueue(OutboxMessageKind.PinReminder, pair.Email, PinReminderMail.Content(
                new PinReminderMailModel(pair.GuardianName, pair.ChildFirstName, pair.FacilityName, pair.ExpiresAt, pair.Pin2IssuedAt)))
            .About(pair.FacilityId, pair.ChildId, pair.GuardianId, pair.PairId);
        db.PinReminders.Add(new PinReminder(pair.PairId, pair.Number, message.Id, now));
        audit.RecordPairEvent(AuditActions.PinsReminderQueued, pair.FacilityId, pair.ChildId, pair.GuardianId, pair.PairId, new Dictionary<string, string>
        {
            ["reminder"] = pair.Number.ToString(CultureInfo.InvariantCulture),
            ["expiresAt"] = pair.ExpiresAt.ToString("O"),
            ["sentTo"] = pair.Email,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            LogQueued(logger, pair.PairId, pair.Number);
            return true;
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another instance queued it a moment ago.
            db.ChangeTracker.Clear();
            return false;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reminder {Number} queued for PIN pair {PairId}")]
    private static partial void LogQueued(ILogger logger, Guid pairId, int number);
}

/// <summary>Runs <see cref="PinReminders"/> every <c>Reminders:PollIntervalSeconds</c>; failures are logged and retried next round.</summary>
public sealed partial class PinReminderJob(PinReminders reminders, IOptions<PinReminderOptions> options, ILogger<PinReminderJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var poll = TimeSpan.FromSeconds(options.Value.PollIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await reminders.RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogRoundFailed(logger, e);
            }
            try
            {
                await Task.Delay(poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reminder round failed; next try after the poll interval")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}

/// <summary>The reminder mail, and what the outbox asks about it at delivery time.</summary>
public sealed class PinReminderMail(KitaLinkDbContext db, AuditTrail audit, TimeProvider time) : IOutboxKindRules
{
    public const string WithdrawnReason = "Not sent: the PIN pair is no longer pending or its PIN 2 mail bounced, so the reminder no longer applies.";

    public OutboxMessageKind Kind => OutboxMessageKind.PinReminder;

    public static MailContent Content(PinReminderMailModel model)
    {
        var guardian = OneLine(model.GuardianName);
        var child = OneLine(model.ChildFirstName);
        var facility = OneLine(model.FacilityName);
        var expiresDe = KitaTime.GermanDateTime(model.ExpiresAt);
        var expiresEn = KitaTime.EnglishDateTime(model.ExpiresAt);
        var sentDe = KitaTime.GermanDateTime(model.Pin2IssuedAt);
        var sentEn = KitaTime.EnglishDateTime(model.Pin2IssuedAt);
        var subject = Subject($"Erinnerung: {child} in der KitaLink-App verknüpfen ({facility}) / Reminder: link {child} in the KitaLink app");
        var de = new[]
        {
            $"Guten Tag {guardian},",
            $"Sie haben {child} noch nicht mit Ihrem KitaLink-Elternkonto verknüpft. Ihre PINs gelten bis {expiresDe}.",
            $"Sie brauchen PIN 1 aus dem Brief der Kita und PIN 2 aus der E-Mail vom {sentDe}. Registrieren Sie sich in der App mit genau dieser E-Mail-Adresse.",
            $"PIN 2 nicht mehr da? Bitten Sie {facility}, Ihnen eine neue PIN 2 zu senden; PIN 1 und der Brief bleiben gültig. Brief verloren? Bitten Sie um neue PINs.",
            "Diese E-Mail enthält keine PIN.",
        };
        var en = new[]
        {
            $"Hello {guardian},",
            $"You have not yet linked {child} to your KitaLink parent account. Your PINs are valid until {expiresEn}.",
            $"You need PIN 1 from the daycare's letter and PIN 2 from the email of {sentEn}. Register in the app with exactly this email address.",
            $"Lost PIN 2? Ask {facility} to send you a new PIN 2; PIN 1 and the letter stay valid. Lost the letter? Ask for new PINs.",
            "This email contains no PIN.",
        };
        var text = new StringBuilder().AppendJoin("\n\n", de).Append("\n\n").Append(Separator).Append("\n\n").AppendJoin("\n\n", en).Append('\n').ToString();
        var html = Html("de", subject,
            $"<div lang=\"de\">{string.Concat(de.Select(p => $"<p>{H(p)}</p>"))}</div><hr style=\"border:none;border-top:1px solid #ccc;margin:32px 0;\"><div lang=\"en\">{string.Concat(en.Select(p => $"<p>{H(p)}</p>"))}</div>");
        return new MailContent(subject, text, html);
    }

    /// <summary>Reminders whose pair is no longer pending (or expired), or whose current PIN 2 mail bounced or failed.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> WithdrawnAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var pairIds = messages.Where(m => m.PinPairId is not null).Select(m => m.PinPairId!.Value).Distinct().ToList();
        var now = time.GetUtcNow();
        var stillDue = await (from p in db.PinPairs.AsNoTracking()
                              join m in db.OutboxMessages on p.Pin2MessageId equals m.Id
                              where pairIds.Contains(p.Id) && p.State == PinPairState.Pending && p.ExpiresAt > now
                                    && m.Status != OutboxMessageStatus.Bounced && m.Status != OutboxMessageStatus.Failed
                              select p.Id).ToListAsync(cancellationToken);
        return messages.Where(m => m.PinPairId is not { } id || !stillDue.Contains(id)).ToDictionary(m => m.Id, _ => WithdrawnReason);
    }

    public void Sent(OutboxMessage message)
    {
    }

    public void Failed(OutboxMessage message, string reason, int? smtpStatus) =>
        audit.RecordPairEvent(AuditActions.PinsReminderFailed, message.FacilityId, message.ChildId, message.GuardianId, message.PinPairId,
            new Dictionary<string, string> { ["reason"] = reason });
}
