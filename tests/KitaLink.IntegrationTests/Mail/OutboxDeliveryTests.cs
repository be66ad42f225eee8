using System.Text.Json;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.IntegrationTests.Infrastructure;
using SmtpServer.Protocol;
using static KitaLink.IntegrationTests.Mail.OutboxTestData;

namespace KitaLink.IntegrationTests.Mail;

/// <summary>The background sender of a running instance against the real SMTP peer.</summary>
public sealed class OutboxDeliveryTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    [Fact]
    public async Task Pin2Mail_IsDeliveredWithTextAndHtmlParts_ThenItsBodiesAreWiped()
    {
        factory.CreateClient();
        var recipient = NewRecipient();
        var (id, context) = await EnqueuePin2Async(factory, recipient);

        var mail = await factory.Smtp.WaitForMessageAsync(recipient);
        Assert.Contains(Pin2, mail.TextBody);
        Assert.Contains(Pin2, mail.HtmlBody);
        Assert.Contains("Guten Tag Julia Schneider", mail.TextBody);
        Assert.Contains("Hello Julia Schneider", mail.HtmlBody);
        Assert.Equal("no-reply@test.kitalink.example", mail.From.Mailboxes.Single().Address);
        Assert.Contains("Your PIN 2", mail.Subject);
        Assert.Equal($"{id:N}@test.kitalink.example", mail.MessageId);
        Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);

        var message = await WaitForAsync(factory, id, m => m.Status == OutboxMessageStatus.Sent);
        Assert.Equal(1, message.Attempts);
        Assert.NotNull(message.SentAt);
        Assert.Null(message.ProtectedTextBody);
        Assert.Null(message.ProtectedHtmlBody);
        Assert.Null(message.LeasedUntil);
        Assert.Null(message.LastError);

        var audit = Assert.Single(await AuditOfPairAsync(factory, context.PinPairId));
        Assert.Equal(AuditActions.Pin2Sent, audit.Action);
        Assert.Equal(AuditActorType.System, audit.ActorType);
        Assert.Equal(context.FacilityId, audit.FacilityId);
        Assert.Equal(context.ChildId, audit.ChildId);
        Assert.Equal(context.GuardianId, audit.GuardianId);
        Assert.DoesNotContain(Pin2, audit.Data ?? "");

        // Logs name the message and a masked address, never the address in full or the PIN.
        var logs = factory.Logs.AllText;
        Assert.Contains(id.ToString(), logs);
        Assert.Contains(KitaLink.Api.Accounts.EmailAddress.Mask(recipient), logs);
        Assert.DoesNotContain(recipient, logs);
        Assert.DoesNotContain(Pin2, logs);
    }

    [Fact]
    public async Task PasswordResetMail_IsDelivered_WithoutPinAuditEvents()
    {
        factory.CreateClient();
        var recipient = NewRecipient("reset");
        var id = Assert.Single(await EnqueueResetsAsync(factory, [recipient]));

        var mail = await factory.Smtp.WaitForMessageAsync(recipient);
        Assert.Contains("Ihr Code zum Zurücksetzen", mail.TextBody);
        Assert.Contains("Your reset code", mail.HtmlBody);
        var message = await WaitForAsync(factory, id, m => m.Status == OutboxMessageStatus.Sent);
        Assert.Null(message.ProtectedTextBody);
    }

    [Theory]
    [InlineData(SmtpReplyCode.MailboxUnavailable, 550, "5.1.1 unknown mailbox")]
    // SmtpServer names 552 "SizeLimitExceeded"; RFC 5321 calls it "exceeded storage allocation" (mailbox full).
    [InlineData(SmtpReplyCode.SizeLimitExceeded, 552, "5.2.2 mailbox full")]
    public async Task PermanentRejection_FailsAtOnce_WithTheServersReply(SmtpReplyCode code, int status, string reply)
    {
        factory.CreateClient();
        var recipient = NewRecipient("bounce");
        factory.Smtp.Reject(recipient, code, reply);
        var (id, context) = await EnqueuePin2Async(factory, recipient);

        var message = await WaitForAsync(factory, id, m => m.Status == OutboxMessageStatus.Failed);
        Assert.Equal(1, message.Attempts);
        Assert.Equal(status, message.LastSmtpStatus);
        Assert.Equal($"{status} {reply}", message.LastError);
        Assert.NotNull(message.FailedAt);
        Assert.Null(message.ProtectedTextBody);
        Assert.Null(message.ProtectedHtmlBody);
        Assert.Empty(factory.Smtp.To(recipient));

        var audit = Assert.Single(await AuditOfPairAsync(factory, context.PinPairId));
        Assert.Equal(AuditActions.Pin2Failed, audit.Action);
        var data = JsonDocument.Parse(audit.Data!).RootElement;
        Assert.Equal($"{status} {reply}", data.GetProperty("reason").GetString());
        Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), data.GetProperty("smtpStatus").GetString());

        // A failed message is never picked up again.
        factory.Time.Advance(TimeSpan.FromDays(1));
        await Task.Delay(400);
        Assert.Equal(1, (await LoadAsync(factory, id)).Attempts);
    }

    [Fact]
    public async Task TemporaryRejection4xx_StaysQueuedForRetry_WithTheServersReply()
    {
        factory.CreateClient();
        var recipient = NewRecipient("busy");
        factory.Smtp.Reject(recipient, SmtpReplyCode.ExceededStorage, "4.2.2 mailbox temporarily over quota");
        var (id, context) = await EnqueuePin2Async(factory, recipient);

        var message = await WaitForAsync(factory, id, m => m.Attempts >= 1);
        Assert.Equal(OutboxMessageStatus.Queued, message.Status);
        Assert.Equal(422, message.LastSmtpStatus);
        Assert.Equal("422 4.2.2 mailbox temporarily over quota", message.LastError);
        Assert.True(message.NextAttemptAt > factory.Time.GetUtcNow());
        Assert.NotNull(message.ProtectedTextBody);
        Assert.Empty(await AuditOfPairAsync(factory, context.PinPairId));
    }

    [Fact]
    public async Task SmtpOutage_KeepsMessageQueuedWithTheError_ThenDeliversItExactlyOnce()
    {
        factory.CreateClient();
        var recipient = NewRecipient("outage");
        await factory.Smtp.StopAsync();
        try
        {
            var (id, context) = await EnqueuePin2Async(factory, recipient);

            var waiting = await WaitForAsync(factory, id, m => m.Attempts >= 1);
            Assert.Equal(OutboxMessageStatus.Queued, waiting.Status);
            Assert.Equal(1, waiting.Attempts);
            Assert.False(string.IsNullOrWhiteSpace(waiting.LastError));
            Assert.Null(waiting.LastSmtpStatus);
            Assert.True(waiting.NextAttemptAt > factory.Time.GetUtcNow());
            Assert.NotNull(waiting.ProtectedTextBody);
            Assert.Empty(await AuditOfPairAsync(factory, context.PinPairId));

            // Backoff: nothing happens until the clock passes the next attempt.
            await Task.Delay(500);
            Assert.Equal(1, (await LoadAsync(factory, id)).Attempts);

            factory.Smtp.Start();
            factory.Time.Advance(waiting.NextAttemptAt - factory.Time.GetUtcNow() + TimeSpan.FromSeconds(1));

            await factory.Smtp.WaitForMessageAsync(recipient);
            var sent = await WaitForAsync(factory, id, m => m.Status == OutboxMessageStatus.Sent);
            Assert.Equal(2, sent.Attempts);
            Assert.Null(sent.LastError);
            await Task.Delay(500);
            Assert.Single(factory.Smtp.To(recipient));
            Assert.Equal(AuditActions.Pin2Sent, Assert.Single(await AuditOfPairAsync(factory, context.PinPairId)).Action);
        }
        finally
        {
            factory.Smtp.Start();
        }
    }
}
