using System.Text;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.MailEvents;
using MimeKit;

namespace KitaLink.UnitTests.Mail;

public sealed class BounceParserTests
{
    private static readonly BounceOptions s_options = new() { Domain = "bounce.kitalink.example" };
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    public static MimeMessage Fixture(string name, string token, string recipient = "julia.schneider@example.com", string bounceId = "b-1")
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "bounces", name))
            .Replace("{{RETURN_PATH}}", s_options.ReturnPath(token).Address, StringComparison.Ordinal)
            .Replace("{{RECIPIENT}}", recipient, StringComparison.Ordinal)
            .Replace("{{ORIGINAL_ID}}", "0193a5f34e5f7061b2738d9e0f1a2b3c@kitalink.example", StringComparison.Ordinal)
            .Replace("{{BOUNCE_ID}}", bounceId, StringComparison.Ordinal);
        return MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)));
    }

    [Theory]
    [InlineData("postfix-unknown-user.eml", MailDeliveryOutcome.Bounced, MailDeliveryReason.AddressUnknown, "5.1.1", "User unknown")]
    [InlineData("postfix-blocked-spam.eml", MailDeliveryOutcome.Bounced, MailDeliveryReason.Blocked, "5.7.1", "rejected as spam")]
    [InlineData("postfix-relay-rejected-after-data.eml", MailDeliveryOutcome.Bounced, MailDeliveryReason.AddressUnknown, "5.1.1", "User unknown")]
    [InlineData("postfix-relay-delayed-mailbox-full.eml", MailDeliveryOutcome.Deferred, MailDeliveryReason.MailboxFull, "4.2.2", "Mailbox full")]
    [InlineData("exim-mailbox-full.eml", MailDeliveryOutcome.Bounced, MailDeliveryReason.MailboxFull, "5.2.2", "Mailbox full")]
    [InlineData("exchange365-recipient-not-found.eml", MailDeliveryOutcome.Bounced, MailDeliveryReason.AddressUnknown, "5.1.10", "RecipientNotFound")]
    [InlineData("gmail-delay-over-quota.eml", MailDeliveryOutcome.Deferred, MailDeliveryReason.MailboxFull, "4.2.2", "over quota")]
    [InlineData("gmx-mailbox-full.eml", MailDeliveryOutcome.Bounced, MailDeliveryReason.MailboxFull, null, "exceeded storage allocation")]
    [InlineData("webde-unknown-user.eml", MailDeliveryOutcome.Bounced, MailDeliveryReason.AddressUnknown, null, "mailbox unavailable")]
    public void RealServerFormats_AreReadWithOutcomeReasonCodeAndServerText(
        string fixture, MailDeliveryOutcome outcome, MailDeliveryReason reason, string? code, string detailPart)
    {
        var token = ReturnTokens.New();
        var reading = BounceParser.Read(Fixture(fixture, token, bounceId: "abc-123"), s_options, s_now);

        Assert.Equal(BounceKind.Report, reading.Kind);
        var report = reading.Report!;
        Assert.Equal(token, report.ReturnToken);
        Assert.Equal(outcome, report.Outcome);
        Assert.Equal(reason, report.Reason);
        Assert.Equal(code, report.StatusCode);
        Assert.Contains(detailPart, report.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("abc-123", report.EventKey);
        Assert.Equal("imap", report.Source);
        Assert.Null(report.OutboxMessageId);
    }

    [Fact]
    public void OutOfOffice_IsAnAutoReply_NotABounce()
    {
        var reading = BounceParser.Read(Fixture("out-of-office.eml", ReturnTokens.New()), s_options, s_now);
        Assert.Equal(BounceKind.AutoReply, reading.Kind);
        Assert.Null(reading.Report);
    }

    [Fact]
    public void OrdinaryMail_IsUnusable()
    {
        var reading = BounceParser.Read(Fixture("not-a-bounce.eml", ReturnTokens.New()), s_options, s_now);
        Assert.Equal(BounceKind.Unusable, reading.Kind);
    }

    [Fact]
    public void ABounceToAnotherAddress_IsUnusable_WhateverItsBodyNamesAsTheOriginalMessage()
    {
        var message = Fixture("postfix-unknown-user.eml", ReturnTokens.New());
        message.Headers.RemoveAll("Delivered-To");
        message.Headers.Replace("To", "someone@kitalink.example");
        Assert.Equal(BounceKind.Unusable, BounceParser.Read(message, s_options, s_now).Kind);

        var otherDomain = Fixture("postfix-unknown-user.eml", ReturnTokens.New());
        Assert.Equal(BounceKind.Unusable, BounceParser.Read(otherDomain, new BounceOptions { Domain = "other.example" }, s_now).Kind);
    }

    [Fact]
    public void TheEventKeyIsTheBouncesOwnMessageId_SoTwoReadersAgree()
    {
        var token = ReturnTokens.New();
        var first = BounceParser.Read(Fixture("exim-mailbox-full.eml", token, bounceId: "same"), s_options, s_now).Report!;
        var second = BounceParser.Read(Fixture("exim-mailbox-full.eml", token, bounceId: "same"), s_options, s_now).Report!;
        var other = BounceParser.Read(Fixture("exim-mailbox-full.eml", token, bounceId: "other"), s_options, s_now).Report!;
        Assert.Equal(first.EventKey, second.EventKey);
        Assert.NotEqual(first.EventKey, other.EventKey);
    }
}
