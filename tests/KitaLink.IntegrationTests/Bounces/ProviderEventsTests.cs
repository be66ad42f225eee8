using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using KitaLink.Api.Audit;
using KitaLink.IntegrationTests.Facilities;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Pins;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.IntegrationTests.Bounces;

/// <summary>
/// <c>POST /api/v1/mail-events/{provider}</c> fed with the documented payloads of Amazon SES (through SNS) and Postmark:
/// each event moves the PIN 2 delivery in the help desk view and the audit trail, once; every bad request is a 4xx
/// problem and changes nothing.
/// </summary>
public sealed class ProviderEventsTests(ProviderEventsTests.ProviderFactory factory) : IClassFixture<ProviderEventsTests.ProviderFactory>
{
    public sealed class ProviderFactory : KitaLinkFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Bounces:Domain"] = BounceFactory.Domain,
            ["Bounces:Ses:Username"] = "sns",
            ["Bounces:Ses:Password"] = SesPassword,
            ["Bounces:Postmark:Username"] = "postmark",
            ["Bounces:Postmark:Password"] = PostmarkPassword,
            ["Bounces:MaxEventBytes"] = "16384",
            // A webhook receiver in the test process (pin2_mail.bounced / deferred).
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowedNetworks:0"] = "127.0.0.0/8",
            ["Webhooks:PollIntervalMilliseconds"] = "50",
        };
    }

    private const string SesPassword = "ses-secret-for-tests-only";
    private const string PostmarkPassword = "postmark-secret-for-tests-only";
    private readonly HttpClient _client = factory.CreateClient();

    private static string Fixture(string name, SentPin2 sent, string eventId) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "mail-events", name))
            .Replace("{{RETURN_PATH}}", sent.ReturnPath, StringComparison.Ordinal)
            .Replace("{{RECIPIENT}}", sent.Guardian.Email, StringComparison.Ordinal)
            .Replace("{{MESSAGE_ID}}", sent.MessageIdHeader, StringComparison.Ordinal)
            .Replace("{{TOKEN}}", sent.ReturnPath.Split('+')[1].Split('@')[0], StringComparison.Ordinal)
            .Replace("{{EVENT_ID_NUMBER}}", eventId.Length > 0 ? (Math.Abs((long)eventId.GetHashCode()) + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture) : "1", StringComparison.Ordinal)
            .Replace("{{EVENT_ID}}", eventId, StringComparison.Ordinal);

    /// <summary>The SNS envelope around an SES notification, as an SNS HTTPS subscription posts it.</summary>
    private static string Sns(string message, string snsMessageId, string type = "Notification") => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["Type"] = type,
        ["MessageId"] = snsMessageId,
        ["TopicArn"] = "arn:aws:sns:eu-central-1:123456789012:kitalink-ses",
        ["Message"] = message,
        ["Timestamp"] = "2026-11-24T10:15:03.000Z",
        ["SignatureVersion"] = "1",
        ["Signature"] = "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
        ["SigningCertURL"] = "https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
        ["UnsubscribeURL"] = "https://sns.eu-central-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:eu-central-1:123456789012:kitalink-ses:1",
    });

    private Task<HttpResponseMessage> PostAsync(string provider, string body, string? user = null, string? password = null, string mediaType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/mail-events/{provider}") { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }
        return _client.SendAsync(request);
    }

    private Task<HttpResponseMessage> SesAsync(string body) => PostAsync("ses", body, "sns", SesPassword, "text/plain");

    private Task<HttpResponseMessage> PostmarkAsync(string body) => PostAsync("postmark", body, "postmark", PostmarkPassword);

    [Theory]
    [InlineData("ses-bounce-permanent.json", "bounced", "address_unknown", "5.1.1")]
    [InlineData("ses-bounce-transient-mailbox-full.json", "deferred", "mailbox_full", "5.2.2")]
    [InlineData("ses-delivery-delay.json", "deferred", "temporary_failure", "4.4.7")]
    [InlineData("ses-delivery.json", "delivered", null, "2.6.0")]
    public async Task SesNotification_MovesTheDelivery_AndIsRecordedOnce(string fixture, string status, string? problem, string statusCode)
    {
        var sent = await factory.SendPin2Async(_client, prefix: "ses");
        var body = Sns(Fixture(fixture, sent, Guid.NewGuid().ToString("N")), Guid.NewGuid().ToString());

        var receipt = await (await SesAsync(body)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, receipt.GetProperty("recorded").GetInt32());
        var delivery = await _client.WaitForDeliveryAsync(sent.Facility.AdminToken, sent.Guardian, status);
        Assert.Equal(problem, delivery.GetProperty("problem").GetString());
        Assert.Equal(statusCode, delivery.GetProperty("statusCode").GetString());
        Assert.False(string.IsNullOrWhiteSpace(delivery.GetProperty("guidance").GetProperty("nextAction").GetProperty("de").GetString()));

        // SNS retries a notification it thinks was not received: same MessageId, nothing new.
        var retry = await (await SesAsync(body)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, retry.GetProperty("recorded").GetInt32());
        Assert.Equal(1, retry.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, await factory.WithDbAsync(db => db.MailDeliveryEvents.CountAsync(e => e.OutboxMessageId == sent.MessageId)));
        var action = status switch { "bounced" => AuditActions.Pin2Bounced, "deferred" => AuditActions.Pin2Deferred, _ => AuditActions.Pin2Delivered };
        var audited = Assert.Single(await _client.AuditAsync(sent, action));
        Assert.Equal("ses", audited.GetProperty("data").GetProperty("source").GetString());
    }

    [Fact]
    public async Task BounceAndDeferral_AreAnnouncedToWebhooks_WithTheStatusCodeAndTheServersText()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var bounced = await factory.SendPin2Async(_client, prefix: "ses-hook");
        var deferred = await factory.SendPin2Async(_client, bounced.Facility);
        await Webhooks.WebhookTestSupport.CreateWebhookAsync(_client, bounced.Facility.AdminToken, receiver.Url(),
            [Api.Webhooks.WebhookEventTypes.Pin2MailBounced, Api.Webhooks.WebhookEventTypes.Pin2MailDeferred]);

        await (await SesAsync(Sns(Fixture("ses-bounce-permanent.json", bounced, "b"), Guid.NewGuid().ToString()))).ExpectAsync(HttpStatusCode.OK);
        await (await SesAsync(Sns(Fixture("ses-bounce-transient-mailbox-full.json", deferred, "d"), Guid.NewGuid().ToString()))).ExpectAsync(HttpStatusCode.OK);

        var bounce = await receiver.WaitForAsync(r => r.Type == Api.Webhooks.WebhookEventTypes.Pin2MailBounced);
        Assert.Equal(bounced.Guardian.GuardianId, bounce.Data.GetProperty("guardianId").GetGuid());
        Assert.Equal(bounced.MessageId, bounce.Data.GetProperty("messageId").GetGuid());
        Assert.StartsWith("5.1.1 ", bounce.Data.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var deferral = await receiver.WaitForAsync(r => r.Type == Api.Webhooks.WebhookEventTypes.Pin2MailDeferred);
        Assert.Equal(deferred.Guardian.GuardianId, deferral.Data.GetProperty("guardianId").GetGuid());
        Assert.StartsWith("5.2.2 ", deferral.Data.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SesNotification_FindsTheMailByItsMessageId_WhenSesUsedItsOwnReturnPath()
    {
        var sent = await factory.SendPin2Async(_client, prefix: "ses-mid");
        var body = Sns(Fixture("ses-bounce-permanent.json", sent, "x").Replace(sent.ReturnPath, "010001937@amazonses.com", StringComparison.Ordinal), Guid.NewGuid().ToString());

        await (await SesAsync(body)).ExpectAsync(HttpStatusCode.OK);
        await _client.WaitForDeliveryAsync(sent.Facility.AdminToken, sent.Guardian, "bounced");
    }

    [Fact]
    public async Task SesComplaintAndSubscriptionConfirmation_AreAcknowledged_AndChangeNothing()
    {
        var sent = await factory.SendPin2Async(_client, prefix: "ses-ignored");
        var complaint = await (await SesAsync(Sns(Fixture("ses-complaint.json", sent, "c"), Guid.NewGuid().ToString()))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, complaint.GetProperty("ignored").GetInt32());

        // A confirmation link that is not an SNS host of AWS is not followed (the service never fetches arbitrary URLs).
        var confirmation = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Type"] = "SubscriptionConfirmation",
            ["MessageId"] = Guid.NewGuid().ToString(),
            ["Token"] = "2336412f37fb687f5d51e6e2425c464de12884a6",
            ["TopicArn"] = "arn:aws:sns:eu-central-1:123456789012:kitalink-ses",
            ["Message"] = "You have chosen to subscribe to the topic.",
            ["SubscribeURL"] = "https://127.0.0.1:9/?Action=ConfirmSubscription",
        });
        var confirmed = await (await SesAsync(confirmation)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, confirmed.GetProperty("ignored").GetInt32());
        Assert.Contains(factory.Logs.Lines, l => l.Contains("not followed", StringComparison.Ordinal));

        Assert.Equal("sent", (await _client.PinViewAsync(sent.Facility.AdminToken, sent.Guardian)).GetProperty("pin2Delivery").GetProperty("status").GetString());
        Assert.Equal(0, await factory.WithDbAsync(db => db.MailDeliveryEvents.CountAsync(e => e.OutboxMessageId == sent.MessageId)));
    }

    [Theory]
    [InlineData("postmark-bounce-hard.json", "bounced", "address_unknown", "5.1.1")]
    [InlineData("postmark-bounce-soft.json", "deferred", "mailbox_full", "4.2.2")]
    [InlineData("postmark-delivery.json", "delivered", null, null)]
    public async Task PostmarkWebhook_MovesTheDelivery_AndIsRecordedOnce(string fixture, string status, string? problem, string? statusCode)
    {
        var sent = await factory.SendPin2Async(_client, prefix: "postmark");
        var body = Fixture(fixture, sent, Guid.NewGuid().ToString("N"));

        var receipt = await (await PostmarkAsync(body)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, receipt.GetProperty("recorded").GetInt32());
        var delivery = await _client.WaitForDeliveryAsync(sent.Facility.AdminToken, sent.Guardian, status);
        Assert.Equal(problem, delivery.GetProperty("problem").GetString());
        Assert.Equal(statusCode, delivery.GetProperty("statusCode").GetString());

        var retry = await (await PostmarkAsync(body)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, retry.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, await factory.WithDbAsync(db => db.MailDeliveryEvents.CountAsync(e => e.OutboxMessageId == sent.MessageId)));
    }

    [Fact]
    public async Task PostmarkMetadata_IsOnTheOutgoingMail_AndAnAutoResponderChangesNothing()
    {
        var sent = await factory.SendPin2Async(_client, prefix: "postmark-meta");
        var mail = factory.Smtp.Messages.Single(m => m.MessageId == sent.MessageIdHeader);
        Assert.Equal(sent.ReturnPath.Split('+')[1].Split('@')[0], mail.Headers["X-PM-Metadata-kitalink-token"]);

        var receipt = await (await PostmarkAsync(Fixture("postmark-autoresponder.json", sent, "auto"))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, receipt.GetProperty("ignored").GetInt32());
        Assert.Equal("sent", (await _client.PinViewAsync(sent.Facility.AdminToken, sent.Guardian)).GetProperty("pin2Delivery").GetProperty("status").GetString());
    }

    [Fact]
    public async Task EventAboutAMailThisServiceDoesNotKnow_IsAcknowledged_SoTheProviderStopsRetrying()
    {
        var sent = await factory.SendPin2Async(_client, prefix: "unknown");
        var forged = sent with { ReturnPath = $"bounces+{KitaLink.Api.Infrastructure.Email.ReturnTokens.New()}@{BounceFactory.Domain}", MessageIdHeader = "someone-else@example.org" };
        var receipt = await (await SesAsync(Sns(Fixture("ses-bounce-permanent.json", forged, "u"), Guid.NewGuid().ToString()))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, receipt.GetProperty("unknownMessages").GetInt32());
        Assert.Equal("sent", (await _client.PinViewAsync(sent.Facility.AdminToken, sent.Guardian)).GetProperty("pin2Delivery").GetProperty("status").GetString());
    }

    public static TheoryData<string, string, string?, string?, string, int, string> BadRequests => new()
    {
        // provider, body, user, password, media type, status, code
        { "sendgrid", "{}", "sns", SesPassword, "application/json", 404, "not_found" },
        { "SES", "{}", "sns", SesPassword, "application/json", 404, "not_found" },
        { "ses", "BOUNCE", null, null, "text/plain", 401, "unauthenticated" },
        { "ses", "BOUNCE", "sns", "wrong-password", "text/plain", 401, "unauthenticated" },
        { "ses", "BOUNCE", "postmark", PostmarkPassword, "text/plain", 401, "unauthenticated" },
        { "postmark", "HARD", "sns", SesPassword, "application/json", 401, "unauthenticated" },
        { "ses", "not json", "sns", SesPassword, "text/plain", 400, "validation_failed" },
        { "ses", "{\"Type\":\"Notification\"}", "sns", SesPassword, "text/plain", 400, "validation_failed" },
        { "ses", "{\"Type\":\"Notification\",\"MessageId\":\"m1\",\"Message\":\"not json\"}", "sns", SesPassword, "text/plain", 400, "validation_failed" },
        { "ses", "{\"Type\":\"Notification\",\"MessageId\":\"m2\",\"Message\":\"{\\\"notificationType\\\":\\\"Bounce\\\"}\"}", "sns", SesPassword, "text/plain", 400, "validation_failed" },
        { "ses", "BIG", "sns", SesPassword, "text/plain", 413, "payload_too_large" },
        { "postmark", "{\"ID\":1}", "postmark", PostmarkPassword, "application/json", 400, "validation_failed" },
        { "postmark", "{\"RecordType\":\"Bounce\",\"Type\":\"HardBounce\"}", "postmark", PostmarkPassword, "application/json", 400, "validation_failed" },
        { "postmark", "[1,2]", "postmark", PostmarkPassword, "application/json", 400, "validation_failed" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequest_IsAProblem_AndChangesNothing(string provider, string body, string? user, string? password, string mediaType, int status, string code)
    {
        var sent = await factory.SendPin2Async(_client, prefix: "bad");
        var eventsBefore = await factory.WithDbAsync(db => db.MailDeliveryEvents.CountAsync());
        var auditBefore = await factory.WithDbAsync(db => db.AuditEvents.CountAsync());
        body = body switch
        {
            // Valid events of this very mail, so only the request's flaw can keep them out.
            "BOUNCE" => Sns(Fixture("ses-bounce-permanent.json", sent, "b"), Guid.NewGuid().ToString()),
            "HARD" => Fixture("postmark-bounce-hard.json", sent, "h"),
            "BIG" => Sns(Fixture("ses-bounce-permanent.json", sent, "big").Replace("user unknown", "user unknown " + new string('x', 20_000), StringComparison.Ordinal), Guid.NewGuid().ToString()),
            _ => body,
        };

        var response = await PostAsync(provider, body, user, password, mediaType);
        await response.ExpectProblemAsync((HttpStatusCode)status, code);
        if (status == 401)
        {
            Assert.StartsWith("Basic", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
        Assert.Equal(eventsBefore, await factory.WithDbAsync(db => db.MailDeliveryEvents.CountAsync()));
        Assert.Equal(auditBefore, await factory.WithDbAsync(db => db.AuditEvents.CountAsync()));
        Assert.Equal("sent", (await _client.PinViewAsync(sent.Facility.AdminToken, sent.Guardian)).GetProperty("pin2Delivery").GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheServedDocument_NamesTheBasicChallengeOfA401()
    {
        var document = await (await _client.GetAsync("/swagger/v1/swagger.json", token: null)).ExpectAsync(HttpStatusCode.OK);
        var challenge = document.GetProperty("paths").GetProperty("/api/v1/mail-events/{provider}").GetProperty("post")
            .GetProperty("responses").GetProperty("401").GetProperty("headers").GetProperty("WWW-Authenticate").GetProperty("example").GetString();
        Assert.Equal(Api.MailEvents.MailEventsApi.Challenge, challenge);
    }
}
