using System.Globalization;
using System.Net;
using System.Text.Json;
using KitaLink.Api.Audit;
using KitaLink.IntegrationTests.Facilities;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Pins;
using Microsoft.EntityFrameworkCore;
using SmtpServer.Protocol;

namespace KitaLink.IntegrationTests.Bounces;

/// <summary>
/// The service sends through a real MTA: PIN 2 goes over SMTP to a private Postfix, which relays it to the recipient's
/// server (the test's SMTP peer). That server takes the mail and then refuses it (550 5.1.1) or puts it off (452 4.2.2);
/// Postfix writes the delivery status notification itself and delivers it over LMTP to the return path's mailbox in
/// Dovecot, where the running bounce reader finds it. Nothing in between is shaped by the test.
/// </summary>
public class PostfixBounceFactory : BounceFactory
{
    private PostfixServer? _postfix;

    public PostfixServer Postfix => _postfix ?? throw new InvalidOperationException("Postfix has not been started.");

    /// <summary>How long Postfix retries a soft failure before it returns the mail as undeliverable.</summary>
    protected virtual TimeSpan QueueLifetime => TimeSpan.FromMinutes(10);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _postfix = await PostfixServer.StartAsync(Smtp.Port, (await ImapServer.PortsAsync()).Lmtp, Domain, QueueLifetime);
    }

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            // The service's SMTP server is Postfix; only Postfix talks to the peer.
            settings["Smtp:Port"] = Postfix.Port.ToString(CultureInfo.InvariantCulture);
            return settings;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_postfix is not null)
        {
            await _postfix.DisposeAsync();
        }
    }
}

public sealed class PostfixBounceTests(PostfixBounceFactory factory) : IClassFixture<PostfixBounceFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task RecipientServerRejectsAfterPostfixAccepted_PostfixsBounce_ShowsBouncedWithReasonAndNextAction()
    {
        var email = ParentApi.UniqueEmail(prefix: "unbekannt");
        factory.Smtp.Reject(email, (SmtpReplyCode)550, $"5.1.1 <{email}>: Recipient address rejected: User unknown in virtual mailbox table");

        var sent = await factory.IssuePinsThroughPostfixAsync(_client, email);

        var delivery = await factory.ExplainedByPostfixLogAsync(() => _client.WaitForDeliveryAsync(sent.Facility.EducatorToken, sent.Guardian, "bounced"));
        Assert.Equal("address_unknown", delivery.GetProperty("problem").GetString());
        Assert.Equal("5.1.1", delivery.GetProperty("statusCode").GetString());
        Assert.Contains("User unknown", delivery.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("Adresse existiert nicht: Adresse prüfen und korrigieren, dann neue PINs.",
            delivery.GetProperty("guidance").GetProperty("nextAction").GetProperty("de").GetString());
        Assert.False(string.IsNullOrWhiteSpace(delivery.GetProperty("guidance").GetProperty("nextAction").GetProperty("en").GetString()));

        var audited = await WaitForAuditAsync(sent, AuditActions.Pin2Bounced);
        Assert.Equal("address_unknown", audited.GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal("imap", audited.GetProperty("data").GetProperty("source").GetString());

        // The way it went: Postfix accepted the mail from the service's return path, the recipient's server refused it,
        // and Postfix returned it to that return path; the recipient never got it.
        var log = factory.Postfix.Log;
        Assert.Contains($"from=<{sent.ReturnPath}>", log, StringComparison.Ordinal);
        Assert.Contains($"to=<{email}>", log, StringComparison.Ordinal);
        Assert.Contains("status=bounced", log, StringComparison.Ordinal);
        Assert.Contains("sender non-delivery notification", log, StringComparison.Ordinal);
        Assert.Empty(factory.Smtp.To(email));
    }

    [Fact]
    public async Task RecipientServerDefers_PostfixsDelayWarning_ShowsDeferred_AndTheMailStillArrivesLater()
    {
        var email = ParentApi.UniqueEmail(prefix: "voll");
        factory.Smtp.Reject(email, (SmtpReplyCode)452, $"4.2.2 <{email}>: Mailbox full");

        var sent = await factory.IssuePinsThroughPostfixAsync(_client, email);

        var delivery = await factory.ExplainedByPostfixLogAsync(() => _client.WaitForDeliveryAsync(sent.Facility.EducatorToken, sent.Guardian, "deferred"));
        Assert.Equal("mailbox_full", delivery.GetProperty("problem").GetString());
        Assert.Equal("4.2.2", delivery.GetProperty("statusCode").GetString());
        Assert.Contains("Mailbox full", delivery.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("Die Eltern bitten, Platz zu schaffen; kommt die Mail nicht, PIN 2 erneut senden.",
            delivery.GetProperty("guidance").GetProperty("nextAction").GetProperty("de").GetString());

        var audited = await WaitForAuditAsync(sent, AuditActions.Pin2Deferred);
        Assert.Equal("mailbox_full", audited.GetProperty("data").GetProperty("reason").GetString());
        Assert.Contains("sender delay notification", factory.Postfix.Log, StringComparison.Ordinal);

        // A delay is not the end: once the mailbox has room, Postfix's next retry delivers the same mail.
        factory.Smtp.StopRejecting(email);
        await factory.ExplainedByPostfixLogAsync(() => factory.Smtp.WaitForMailAsync(email, sent.MessageId));
        Assert.Empty(await _client.AuditAsync(sent, AuditActions.Pin2Bounced));
    }

    private async Task<JsonElement> WaitForAuditAsync(SentPin2 sent, string action)
    {
        await BounceTestSupport.WaitUntilAsync(async () => (await _client.AuditAsync(sent, action)).Count == 1, $"the {action} event", seconds: 60);
        return Assert.Single(await _client.AuditAsync(sent, action));
    }
}

/// <summary>A soft failure that does not end: Postfix gives up after its queue lifetime and returns the mail.</summary>
public sealed class PostfixQueueLifetimeTests(PostfixQueueLifetimeTests.ShortLifetimeFactory factory)
    : IClassFixture<PostfixQueueLifetimeTests.ShortLifetimeFactory>
{
    public sealed class ShortLifetimeFactory : PostfixBounceFactory
    {
        protected override TimeSpan QueueLifetime => TimeSpan.FromSeconds(15);
    }

    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task MailboxFullUntilPostfixGivesUp_EndsBounced_WithTheTemporaryStatusCode()
    {
        var email = ParentApi.UniqueEmail(prefix: "dauervoll");
        factory.Smtp.Reject(email, (SmtpReplyCode)452, $"4.2.2 <{email}>: Mailbox full");

        var sent = await factory.IssuePinsThroughPostfixAsync(_client, email);

        var delivery = await factory.ExplainedByPostfixLogAsync(() => _client.WaitForDeliveryAsync(sent.Facility.EducatorToken, sent.Guardian, "bounced"));
        Assert.Equal("mailbox_full", delivery.GetProperty("problem").GetString());
        Assert.Equal("4.2.2", delivery.GetProperty("statusCode").GetString());
        Assert.Equal("Postfach voll: die Eltern bitten, Platz zu schaffen, dann PIN 2 erneut senden.",
            delivery.GetProperty("guidance").GetProperty("nextAction").GetProperty("de").GetString());
        // First the warning, then the return: both were reported.
        await BounceTestSupport.WaitUntilAsync(async () => (await _client.AuditAsync(sent, AuditActions.Pin2Bounced)).Count == 1, "the bounce event", seconds: 60);
        Assert.Single(await _client.AuditAsync(sent, AuditActions.Pin2Deferred));
        Assert.Contains("sender delay notification", factory.Postfix.Log, StringComparison.Ordinal);
        Assert.Contains("sender non-delivery notification", factory.Postfix.Log, StringComparison.Ordinal);
        Assert.Empty(factory.Smtp.To(email));
    }
}

public static class PostfixBounceSupport
{
    /// <summary>
    /// Creates a guardian with <paramref name="email"/> and PINs; PIN 2 goes out through Postfix. The return path is the
    /// one stored for the mail (the recipient's server never keeps the mail, so the peer has no envelope to read it from).
    /// </summary>
    public static async Task<SentPin2> IssuePinsThroughPostfixAsync(this PostfixBounceFactory factory, HttpClient client, string email)
    {
        var facility = await client.CreateFacilityAsync();
        var guardian = await client.CreateChildWithGuardianAsync(facility, email);
        var created = await (await client.PostJsonAsync(
            $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}/pins", null, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        var messageId = created.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid();
        var stored = await factory.WithDbAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == messageId));
        Assert.NotNull(stored.ReturnToken);
        var returnPath = $"{factory.LocalPart}+{stored.ReturnToken}@{BounceFactory.Domain}";
        return new SentPin2(facility, guardian, messageId, returnPath, MessageIdHeader: "");
    }

    /// <summary>Runs a wait; when it fails, the failure carries Postfix's log (what it relayed, deferred or returned, and when).</summary>
    public static async Task<T> ExplainedByPostfixLogAsync<T>(this PostfixBounceFactory factory, Func<Task<T>> wait)
    {
        try
        {
            return await wait();
        }
        catch (Exception exception) when (exception is Xunit.Sdk.XunitException or TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{exception.Message}\nPostfix log:\n{factory.Postfix.Log}");
        }
    }
}
