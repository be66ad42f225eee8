using System.Net;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Facilities;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Pins;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace KitaLink.IntegrationTests.Bounces;

/// <summary>Reminder mails to guardians whose pair is still pending after the configured days, once each, through the outbox.</summary>
public sealed class PinReminderTests(PinReminderTests.ReminderFactory factory) : IClassFixture<PinReminderTests.ReminderFactory>
{
    /// <summary>No hosted reminder job: the tests run rounds themselves, after moving the clock.</summary>
    public sealed class ReminderFactory : KitaLinkFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Reminders:Enabled"] = "false",
            ["Reminders:Days"] = "3,10",
            ["Bounces:Domain"] = BounceFactory.Domain,
        };
    }

    private readonly HttpClient _client = factory.CreateClient();

    private PinReminders Reminders() => ActivatorUtilities.CreateInstance<PinReminders>(factory.Services);

    private static bool IsReminder(MimeMessage m) => m.Subject?.StartsWith("Erinnerung", StringComparison.Ordinal) == true;

    private async Task<int> RemindersOfAsync(Guid guardianId) =>
        await factory.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.GuardianId == guardianId && m.Kind == OutboxMessageKind.PinReminder));

    /// <summary>Moves the clock and runs rounds until nothing more is due (other tests' pairs share the database).</summary>
    private async Task AdvanceAndRunAsync(TimeSpan by)
    {
        factory.Time.Advance(by);
        while (await Reminders().RunOnceAsync(CancellationToken.None) > 0)
        {
        }
    }

    [Fact]
    public async Task PendingPair_GetsAReminderOnDay3AndDay10_EachOnce_WithTheExpiryAndWhatToDo()
    {
        var sent = await factory.SendPin2Async(_client, prefix: "remind");
        await AdvanceAndRunAsync(TimeSpan.FromDays(2));
        Assert.Equal(0, await RemindersOfAsync(sent.Guardian.GuardianId));

        await AdvanceAndRunAsync(TimeSpan.FromDays(1.1));
        var first = await factory.Smtp.WaitForMessageAsync(sent.Guardian.Email, IsReminder);
        Assert.Contains("PIN 2 nicht mehr da?", first.TextBody);
        Assert.Contains("Lost PIN 2?", first.TextBody);
        Assert.Contains("gelten bis", first.TextBody);
        Assert.Contains("valid until", first.TextBody);
        Assert.DoesNotMatch(StaffApi.PinPattern(), first.TextBody);
        Assert.Equal(1, await RemindersOfAsync(sent.Guardian.GuardianId));

        await AdvanceAndRunAsync(TimeSpan.FromDays(1));
        Assert.Equal(1, await RemindersOfAsync(sent.Guardian.GuardianId));
        await AdvanceAndRunAsync(TimeSpan.FromDays(7));
        Assert.Equal(2, await RemindersOfAsync(sent.Guardian.GuardianId));
        await AdvanceAndRunAsync(TimeSpan.FromDays(2));
        Assert.Equal(2, await RemindersOfAsync(sent.Guardian.GuardianId));
        // Staff tokens have expired on the moved clock: the audit trail is read from the database.
        Assert.Equal(2, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(
            e => e.GuardianId == sent.Guardian.GuardianId && e.Action == AuditActions.PinsReminderQueued)));
    }

    [Fact]
    public async Task NoReminder_AfterRedemptionRevocationOrABounce()
    {
        var facility = await _client.CreateFacilityAsync();
        var redeemedGuardian = await _client.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail(prefix: "redeemed"));
        await _client.RegisterAsync(redeemedGuardian.Email, await factory.CreatePinsAsync(_client, facility, redeemedGuardian));

        var revoked = await factory.SendPin2Async(_client, facility, "revoked");
        await (await _client.DeleteAsync(PinTestSupport.PinsPath(revoked.Guardian), facility.AdminToken)).ExpectAsync(HttpStatusCode.NoContent);

        var bounced = await factory.SendPin2Async(_client, facility, "bounced");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var events = scope.ServiceProvider.GetRequiredService<MailDeliveryEvents>();
            var token = bounced.ReturnPath.Split('+')[1].Split('@')[0];
            Assert.Equal(MailDeliveryRecordResult.Recorded, await events.RecordAsync(MailDeliveryReport.Classify(
                "imap", Guid.NewGuid().ToString(), token, null, "5.1.1", "failed", "550 5.1.1 user unknown", null), CancellationToken.None));
        }

        await AdvanceAndRunAsync(TimeSpan.FromDays(3.1));

        Assert.Equal(0, await RemindersOfAsync(redeemedGuardian.GuardianId));
        Assert.Equal(0, await RemindersOfAsync(revoked.Guardian.GuardianId));
        Assert.Equal(0, await RemindersOfAsync(bounced.Guardian.GuardianId));
    }

    [Fact]
    public async Task TwoInstancesAtOnce_QueueEachReminderOnce()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardians = new List<SentPin2>();
        for (var i = 0; i < 5; i++)
        {
            guardians.Add(await factory.SendPin2Async(_client, facility, "twice"));
        }
        factory.Time.Advance(TimeSpan.FromDays(3.1));

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Reminders().RunOnceAsync(CancellationToken.None))));

        foreach (var guardian in guardians)
        {
            Assert.Equal(1, await RemindersOfAsync(guardian.Guardian.GuardianId));
        }
    }
}
