using System.Net;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.IntegrationTests.Facilities;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Pins;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace KitaLink.IntegrationTests.Bounces;

/// <summary>
/// PIN 2 mails go out with their own return path; bounces in the formats real servers send arrive over LMTP in a real
/// Dovecot mailbox; the running reader records them and the help desk view shows what happened and what to do.
/// </summary>
public sealed class BounceMailboxTests(BounceFactory factory) : IClassFixture<BounceFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Pin2Mail_GoesOutWithItsOwnUnguessableReturnPath_AndAStableMessageId()
    {
        var first = await factory.SendPin2Async(_client);
        var second = await factory.SendPin2Async(_client, first.Facility);

        Assert.Matches($"^{factory.LocalPart}\\+[a-z2-7]{{26}}@{BounceFactory.Domain.Replace(".", "\\.")}$", first.ReturnPath);
        Assert.NotEqual(first.ReturnPath, second.ReturnPath);
        Assert.StartsWith(first.MessageId.ToString("N"), first.MessageIdHeader);
        var token = first.ReturnPath.Split('+')[1].Split('@')[0];
        var stored = await factory.WithDbAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == first.MessageId));
        Assert.Equal(token, stored.ReturnToken);
    }

    [Theory]
    [InlineData("postfix-unknown-user.eml", "bounced", "address_unknown", "5.1.1", "Adresse existiert nicht: Adresse prüfen und korrigieren, dann neue PINs.")]
    [InlineData("exim-mailbox-full.eml", "bounced", "mailbox_full", "5.2.2", "Postfach voll: die Eltern bitten, Platz zu schaffen, dann PIN 2 erneut senden.")]
    [InlineData("exchange365-recipient-not-found.eml", "bounced", "address_unknown", "5.1.10", "Adresse existiert nicht: Adresse prüfen und korrigieren, dann neue PINs.")]
    [InlineData("gmail-delay-over-quota.eml", "deferred", "mailbox_full", "4.2.2", "Die Eltern bitten, Platz zu schaffen; kommt die Mail nicht, PIN 2 erneut senden.")]
    [InlineData("gmx-mailbox-full.eml", "bounced", "mailbox_full", null, "Postfach voll: die Eltern bitten, Platz zu schaffen, dann PIN 2 erneut senden.")]
    [InlineData("webde-unknown-user.eml", "bounced", "address_unknown", null, "Adresse existiert nicht: Adresse prüfen und korrigieren, dann neue PINs.")]
    [InlineData("postfix-blocked-spam.eml", "bounced", "blocked", "5.7.1", null)]
    public async Task BounceInTheMailbox_ShowsInTheHelpDeskView_WithReasonAndNextAction(
        string fixture, string status, string problem, string? statusCode, string? nextActionDe)
    {
        var sent = await factory.SendPin2Async(_client);
        await sent.BounceAsync(fixture);

        var delivery = await _client.WaitForDeliveryAsync(sent.Facility.EducatorToken, sent.Guardian, status);
        Assert.Equal(problem, delivery.GetProperty("problem").GetString());
        Assert.Equal(statusCode, delivery.GetProperty("statusCode").GetString());
        Assert.False(string.IsNullOrWhiteSpace(delivery.GetProperty("reason").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.String, delivery.GetProperty("reportedAt").ValueKind);
        var guidance = delivery.GetProperty("guidance");
        Assert.False(string.IsNullOrWhiteSpace(guidance.GetProperty("explanation").GetProperty("en").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(guidance.GetProperty("nextAction").GetProperty("en").GetString()));
        if (nextActionDe is not null)
        {
            Assert.Equal(nextActionDe, guidance.GetProperty("nextAction").GetProperty("de").GetString());
        }

        var action = status == "bounced" ? AuditActions.Pin2Bounced : AuditActions.Pin2Deferred;
        await BounceTestSupport.WaitUntilAsync(async () => (await _client.AuditAsync(sent, action)).Count == 1, "the audit event");
        var audited = Assert.Single(await _client.AuditAsync(sent, action));
        Assert.Equal(problem, audited.GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal("imap", audited.GetProperty("data").GetProperty("source").GetString());
    }

    [Fact]
    public async Task OutOfOfficeReply_ChangesNothing_AndIsFiledAsProcessed()
    {
        var sent = await factory.SendPin2Async(_client);
        var before = await factory.FolderCountsAsync();
        await sent.BounceAsync("out-of-office.eml");

        await BounceTestSupport.WaitUntilAsync(async () => (await factory.FolderCountsAsync()).Processed > before.Processed, "the reply to be filed");
        Assert.Equal("sent", (await _client.PinViewAsync(sent.Facility.AdminToken, sent.Guardian)).GetProperty("pin2Delivery").GetProperty("status").GetString());
        Assert.Equal(0, await factory.WithDbAsync(db => db.MailDeliveryEvents.CountAsync(e => e.OutboxMessageId == sent.MessageId)));
    }

    [Fact]
    public async Task UnusableHugeAndForgedMessages_AreMovedAside_AndTheReaderCarriesOn()
    {
        var sent = await factory.SendPin2Async(_client);
        var before = await factory.FolderCountsAsync();

        // Not a bounce; a bounce far over Bounces:Imap:MaxMessageBytes; a bounce to a return path with a token nobody was given.
        await sent.BounceAsync("not-a-bounce.eml");
        var huge = BounceFixtures.Load("postfix-unknown-user.eml", sent.ReturnPath, sent.Guardian.Email, sent.MessageIdHeader);
        huge.Headers.Add("X-Padding", new string('x', 70_000));
        await ImapServer.DeliverAsync(sent.ReturnPath, huge);
        var forged = $"{factory.LocalPart}+{ReturnTokens.New()}@{BounceFactory.Domain}";
        await ImapServer.DeliverAsync(forged, BounceFixtures.Load("postfix-unknown-user.eml", forged, sent.Guardian.Email, sent.MessageIdHeader));
        // And then a real bounce, which is still read.
        await sent.BounceAsync("exim-mailbox-full.eml");

        await _client.WaitForDeliveryAsync(sent.Facility.AdminToken, sent.Guardian, "bounced");
        await BounceTestSupport.WaitUntilAsync(async () => (await factory.FolderCountsAsync()).Rejected >= before.Rejected + 3, "the rejected messages");
        var events = await factory.WithDbAsync(db => db.MailDeliveryEvents.Where(e => e.OutboxMessageId == sent.MessageId).ToListAsync());
        var recorded = Assert.Single(events);
        Assert.Equal(MailDeliveryReason.MailboxFull, recorded.Reason);
        Assert.Contains(factory.Logs.Lines, m => m.Contains("over the limit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BounceOfAnotherFacilitysGuardian_IsNotVisibleToThisFacility()
    {
        var sent = await factory.SendPin2Async(_client);
        var other = await _client.CreateFacilityAsync();
        await sent.BounceAsync("postfix-unknown-user.eml");
        await _client.WaitForDeliveryAsync(sent.Facility.AdminToken, sent.Guardian, "bounced");

        await (await _client.GetAsync(PinTestSupport.GuardianPath(sent.Guardian), other.AdminToken)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}
