using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Pins;

namespace KitaLink.UnitTests.Mail;

public sealed class MailDeliveryReportTests
{
    [Theory]
    [InlineData("5.1.1", "failed", "550 5.1.1 user unknown", MailDeliveryOutcome.Bounced, MailDeliveryReason.AddressUnknown)]
    [InlineData("5.2.2", "failed", "552 5.2.2 mailbox full", MailDeliveryOutcome.Bounced, MailDeliveryReason.MailboxFull)]
    [InlineData("4.2.2", "delayed", "452 4.2.2 over quota", MailDeliveryOutcome.Deferred, MailDeliveryReason.MailboxFull)]
    [InlineData("5.7.1", "failed", "550 5.7.1 message rejected as spam", MailDeliveryOutcome.Bounced, MailDeliveryReason.Blocked)]
    [InlineData("5.1.2", "failed", "host not found", MailDeliveryOutcome.Bounced, MailDeliveryReason.DomainUnknown)]
    [InlineData("5.4.4", null, "unrouteable address", MailDeliveryOutcome.Bounced, MailDeliveryReason.DomainUnknown)]
    [InlineData("5.2.1", "failed", "mailbox disabled", MailDeliveryOutcome.Bounced, MailDeliveryReason.MailboxDisabled)]
    [InlineData("4.4.1", "delayed", "connection timed out", MailDeliveryOutcome.Deferred, MailDeliveryReason.TemporaryFailure)]
    [InlineData("5.0.0", "failed", "550 Requested action not taken: mailbox unavailable", MailDeliveryOutcome.Bounced, MailDeliveryReason.AddressUnknown)]
    [InlineData("5.0.0", "failed", "550 something else entirely", MailDeliveryOutcome.Bounced, MailDeliveryReason.Rejected)]
    [InlineData("2.0.0", "delivered", "250 ok", MailDeliveryOutcome.Delivered, MailDeliveryReason.Rejected)]
    [InlineData(null, null, "This message is delayed; we will keep trying", MailDeliveryOutcome.Deferred, MailDeliveryReason.TemporaryFailure)]
    [InlineData(null, null, "Quota exceeded (mailbox for user is full)", MailDeliveryOutcome.Bounced, MailDeliveryReason.MailboxFull)]
    public void Classify_SortsCodeActionAndText(string? code, string? action, string text, MailDeliveryOutcome outcome, MailDeliveryReason reason)
    {
        var report = MailDeliveryReport.Classify("imap", "key", null, null, code, action, text, null);

        Assert.Equal(outcome, report.Outcome);
        if (outcome != MailDeliveryOutcome.Delivered)
        {
            Assert.Equal(reason, report.Reason);
        }
    }

    [Theory]
    [InlineData("smtp; 550 5.1.1 <x@example.com>: Recipient address rejected", "5.1.1")]
    [InlineData("452-4.2.2 The email account that you tried to reach is over quota", "4.2.2")]
    [InlineData("Remote server returned '550 5.7.606 Access denied'", "5.7.606")]
    [InlineData("version 1.2.3.4 failed", null)]
    [InlineData("no code here", null)]
    public void StatusCodeIn_FindsTheEnhancedCode(string text, string? expected) =>
        Assert.Equal(expected, MailDeliveryClassifier.StatusCodeIn(text));

    [Fact]
    public void Classify_TakesTheCodeFromTheTextWhenNoneIsGiven_AndKeepsOneLine()
    {
        var report = MailDeliveryReport.Classify("ses", "k", null, null, null, null, "smtp; 550 5.1.1\r\n user unknown", null);

        Assert.Equal("5.1.1", report.StatusCode);
        Assert.Equal("smtp; 550 5.1.1 user unknown", report.Detail);
    }

    private static OutboxMessage SentMessage()
    {
        var message = new OutboxMessage(OutboxMessageKind.Pin2, "eltern@example.org", "s", "t", "h", DateTimeOffset.UnixEpoch);
        message.MarkSent(DateTimeOffset.UnixEpoch);
        return message;
    }

    [Fact]
    public void ApplyReport_BounceIsFinal_DelayDoesNotHideDelivery_QueuedIsNotReportable()
    {
        var now = DateTimeOffset.UnixEpoch.AddMinutes(5);
        var message = SentMessage();
        Assert.True(message.ApplyReport(MailDeliveryOutcome.Deferred, MailDeliveryReason.MailboxFull, "4.2.2", "full", now));
        Assert.Equal(OutboxMessageStatus.Deferred, message.Status);
        Assert.True(message.ApplyReport(MailDeliveryOutcome.Bounced, MailDeliveryReason.MailboxFull, "5.2.2", "full", now));
        Assert.Equal(OutboxMessageStatus.Bounced, message.Status);
        Assert.False(message.ApplyReport(MailDeliveryOutcome.Delivered, MailDeliveryReason.Rejected, null, null, now));
        Assert.False(message.ApplyReport(MailDeliveryOutcome.Deferred, MailDeliveryReason.TemporaryFailure, null, null, now));
        Assert.Equal(OutboxMessageStatus.Bounced, message.Status);
        Assert.Equal("5.2.2", message.ReportStatusCode);

        var delivered = SentMessage();
        Assert.True(delivered.ApplyReport(MailDeliveryOutcome.Delivered, MailDeliveryReason.Rejected, "2.0.0", "ok", now));
        Assert.Null(delivered.ReportReason);
        Assert.False(delivered.ApplyReport(MailDeliveryOutcome.Deferred, MailDeliveryReason.TemporaryFailure, null, null, now));
        Assert.True(delivered.ApplyReport(MailDeliveryOutcome.Bounced, MailDeliveryReason.Blocked, "5.7.1", "spam", now));

        var queued = new OutboxMessage(OutboxMessageKind.Pin2, "eltern@example.org", "s", "t", "h", now);
        Assert.False(queued.ApplyReport(MailDeliveryOutcome.Bounced, MailDeliveryReason.AddressUnknown, "5.1.1", "x", now));
        Assert.Equal(OutboxMessageStatus.Queued, queued.Status);
    }

    [Fact]
    public void ReturnTokens_AreUnguessableAndRecognisedOnlyInTheConfiguredReturnPath()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => ReturnTokens.New()).ToHashSet();
        Assert.Equal(1000, tokens.Count);
        var token = tokens.First();
        Assert.True(ReturnTokens.IsWellFormed(token));

        var options = new BounceOptions { Domain = "bounce.kita.example" };
        var path = options.ReturnPath(token).Address;
        Assert.Equal($"bounces+{token}@bounce.kita.example", path);
        Assert.Equal(token, options.TokenOf(path.ToUpperInvariant()));
        Assert.Equal(token, options.TokenOf($"<{path}>"));
        Assert.Null(options.TokenOf($"bounces+{token}@other.example"));
        Assert.Null(options.TokenOf($"other+{token}@bounce.kita.example"));
        Assert.Null(options.TokenOf("bounces+short@bounce.kita.example"));
        Assert.Null(new BounceOptions().TokenOf(path));
    }

    [Theory]
    [InlineData(MailDeliveryReason.MailboxFull, "Postfach voll: die Eltern bitten, Platz zu schaffen, dann PIN 2 erneut senden.")]
    [InlineData(MailDeliveryReason.AddressUnknown, "Adresse existiert nicht: Adresse prüfen und korrigieren, dann neue PINs.")]
    public void Guidance_NamesTheNextActionForABounce(MailDeliveryReason reason, string german)
    {
        var guidance = Pin2DeliveryGuidanceTable.For(OutboxMessageStatus.Bounced, reason);
        Assert.Equal(german, guidance.NextAction.De);
        Assert.NotEmpty(guidance.NextAction.En);
    }

    [Fact]
    public void Guidance_ExistsForEveryStatusAndReason()
    {
        foreach (var status in Enum.GetValues<OutboxMessageStatus>())
        {
            foreach (var reason in Enum.GetValues<MailDeliveryReason>().Cast<MailDeliveryReason?>().Append(null))
            {
                var guidance = Pin2DeliveryGuidanceTable.For(status, reason);
                Assert.All(new[] { guidance.Explanation.De, guidance.Explanation.En, guidance.NextAction.De, guidance.NextAction.En }, Assert.NotEmpty);
            }
        }
    }
}
