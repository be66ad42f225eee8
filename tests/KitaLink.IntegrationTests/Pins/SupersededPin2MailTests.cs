using System.Net;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Pins;

public sealed class SupersededPin2MailTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    [Fact]
    public async Task QueuedPin2MailOfAReplacedPin2_IsNotSentWhenSmtpComesBack()
    {
        var client = factory.CreateClient();
        var facility = await client.CreateFacilityAsync();
        var guardian = await client.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail(prefix: "superseded"));
        var pinsPath = $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}/pins";

        await factory.Smtp.StopAsync();
        try
        {
            var first = await (await client.PostJsonAsync(pinsPath, null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
            var firstMessage = first.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid();
            await WaitUntilAttemptedAsync(firstMessage);

            var resent = await (await client.PostJsonAsync($"{pinsPath}/pin2", null, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
            var currentMessage = resent.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid();
            Assert.NotEqual(firstMessage, currentMessage);
        }
        finally
        {
            factory.Smtp.Start();
        }
        var arrived = await AdvanceUntilArrivedAsync(guardian.Email);
        var pin2 = StaffApi.Pin2Of(arrived);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(factory.Smtp.To(guardian.Email));

        var messages = await LoadMessagesAsync(guardian.GuardianId);
        var stale = Assert.Single(messages, m => m.Status == OutboxMessageStatus.Failed);
        Assert.Contains("no longer works", stale.LastError);
        Assert.Single(messages, m => m.Status == OutboxMessageStatus.Sent);
        Assert.Matches(StaffApi.PinPattern(), pin2);
    }

    /// <summary>
    /// Moves the clock past every backoff until the mail arrives. Once is not enough on a busy machine: an attempt
    /// that started while the SMTP server was still down can record its failure after the clock moved, and its
    /// next attempt is then due only after the next move.
    /// </summary>
    private async Task<MimeKit.MimeMessage> AdvanceUntilArrivedAsync(string recipient)
    {
        for (var round = 1; ; round++)
        {
            factory.Time.Advance(TimeSpan.FromHours(2));
            try
            {
                return await factory.Smtp.WaitForMessageAsync(recipient, timeout: TimeSpan.FromSeconds(round < 6 ? 10 : 60));
            }
            catch (TimeoutException) when (round < 6)
            {
            }
        }
    }

    private async Task WaitUntilAttemptedAsync(Guid messageId)
    {
        for (var i = 0; i < 100; i++)
        {
            var message = (await LoadMessagesAsync(null)).Single(m => m.Id == messageId);
            if (message.Attempts > 0)
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The outbox sender never tried the first PIN 2 mail.");
    }

    private async Task<List<OutboxMessage>> LoadMessagesAsync(Guid? guardianId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        return await db.OutboxMessages.AsNoTracking()
            .Where(m => guardianId == null || m.GuardianId == guardianId)
            .ToListAsync();
    }
}
