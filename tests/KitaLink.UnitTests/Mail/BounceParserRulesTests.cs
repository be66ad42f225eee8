using System.Text;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.MailEvents;
using MimeKit;

namespace KitaLink.UnitTests.Mail;

/// <summary>
/// The bounce reader's rules one at a time, on small hand-written messages (the real server formats are in
/// <see cref="BounceParserTests"/>): where the return path may stand, which recipient of a report counts, where the
/// time, code and server text come from, and what makes a message an auto-reply or a bounce at all.
/// </summary>
public sealed class BounceParserRulesTests
{
    private static readonly BounceOptions s_options = new() { Domain = "bounce.kitalink.example" };
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly string s_token = ReturnTokens.New();
    private static readonly string s_returnPath = s_options.ReturnPath(s_token).Address;

    private static MimeMessage Load(string text) =>
        MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"))));

    /// <summary>A delivery status notification with the given recipient groups (blank-line separated).</summary>
    private static MimeMessage Dsn(string recipientGroups, string perMessage = "Reporting-MTA: dns; mx.kitalink.example",
        string recipientHeader = "Delivered-To", string subject = "Undelivered Mail Returned to Sender", string? date = "Tue, 24 Nov 2026 10:00:00 +0000") =>
        Load($"""
            From: MAILER-DAEMON@mx.kitalink.example
            {recipientHeader}: {s_returnPath}
            Subject: {subject}
            Message-ID: <dsn-1@mx.kitalink.example>
            {(date is null ? "X-No-Date: 1" : $"Date: {date}")}
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b"

            --b
            Content-Type: text/plain

            This is the mail system.

            --b
            Content-Type: message/delivery-status

            {perMessage}{(recipientGroups.Length == 0 ? "" : "\n\n" + recipientGroups)}
            --b--
            """);

    /// <summary>A plain-text bounce (older Exim, qmail, GMX/web.de style) without a delivery-status part.</summary>
    private static MimeMessage PlainBounce(string body, string subject = "Mail delivery failed: returning message to sender",
        string from = "Mailer-Daemon@mx.example.net", string? date = "Tue, 24 Nov 2026 09:30:00 +0000", string? messageId = "<plain-1@mx.example.net>") =>
        Load($"""
            {(from.Length == 0 ? "X-No-From: 1" : $"From: {from}")}
            Delivered-To: {s_returnPath}
            {(subject.Length == 0 ? "X-No-Subject: 1" : $"Subject: {subject}")}
            {(messageId is null ? "X-No-Id: 1" : $"Message-ID: {messageId}")}
            {(date is null ? "X-No-Date: 1" : $"Date: {date}")}
            Content-Type: text/plain; charset=utf-8

            {body}
            """);

    private static MailDeliveryReport ReportOf(MimeMessage message)
    {
        var reading = BounceParser.Read(message, s_options, s_now);
        Assert.Equal(BounceKind.Report, reading.Kind);
        return reading.Report!;
    }

    [Theory]
    [InlineData("Delivered-To")]
    [InlineData("X-Original-To")]
    [InlineData("Envelope-To")]
    [InlineData("X-Envelope-To")]
    [InlineData("X-Delivered-To")]
    [InlineData("To")]
    public void TheReturnPathIsFoundInEachEnvelopeRecipientHeader(string header)
    {
        var report = ReportOf(Dsn("Final-Recipient: rfc822; eltern@example.org\nAction: failed\nStatus: 5.1.1", recipientHeader: header));
        Assert.Equal(s_token, report.ReturnToken);
    }

    [Fact]
    public void EachKindOfMessageSaysWhyItWasNotRecorded()
    {
        var dsn = Dsn("Final-Recipient: rfc822; eltern@example.org\nAction: failed\nStatus: 5.1.1", recipientHeader: "X-Other");
        Assert.Equal(new BounceReading(BounceKind.Unusable, null, "delivery status notification not sent to a return path of ours"),
            BounceParser.Read(dsn, s_options, s_now));

        var plain = PlainBounce("550 5.1.1 user unknown");
        plain.Headers.RemoveAll("Delivered-To");
        Assert.Equal(new BounceReading(BounceKind.Unusable, null, "bounce not sent to a return path of ours"), BounceParser.Read(plain, s_options, s_now));

        var letter = PlainBounce("Liebe Grüße", subject: "Termin am Montag", from: "eltern@example.org");
        Assert.Equal(new BounceReading(BounceKind.Unusable, null, "not a delivery report"), BounceParser.Read(letter, s_options, s_now));

        var vacation = PlainBounce("Ich bin bis Montag nicht erreichbar.", subject: "Abwesenheit", from: "eltern@example.org");
        Assert.Equal(new BounceReading(BounceKind.AutoReply, null, "auto-reply"), BounceParser.Read(vacation, s_options, s_now));

        var noRecipient = Dsn("", perMessage: "Reporting-MTA: dns; mx.kitalink.example\nArrival-Date: Tue, 24 Nov 2026 09:00:00 +0000");
        Assert.Equal(new BounceReading(BounceKind.Unusable, null, "delivery status without a recipient"), BounceParser.Read(noRecipient, s_options, s_now));

        Assert.Equal("delivery status notification",
            BounceParser.Read(Dsn("Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1"), s_options, s_now).Why);
        Assert.Equal("plain-text bounce", BounceParser.Read(PlainBounce("550 5.1.1 user unknown"), s_options, s_now).Why);
    }

    [Fact]
    public void WithoutAMessageId_TheEventKeyIsAHashOfTheHeaders_StableForTheSameMessage()
    {
        var first = ReportOf(PlainBounce("550 5.1.1 user unknown", messageId: null));
        var again = ReportOf(PlainBounce("550 5.1.1 user unknown", messageId: null));
        var other = ReportOf(PlainBounce("550 5.1.1 user unknown", messageId: null, date: "Wed, 25 Nov 2026 09:30:00 +0000"));

        Assert.StartsWith("sha256:", first.EventKey, StringComparison.Ordinal);
        Assert.Equal("sha256:".Length + 64, first.EventKey.Length);
        Assert.Equal(first.EventKey, again.EventKey);
        Assert.NotEqual(first.EventKey, other.EventKey);
        Assert.Equal("plain-1@mx.example.net", ReportOf(PlainBounce("550 5.1.1 user unknown")).EventKey);
    }

    [Fact]
    public void TheRecipientThatFailedOrWasDelayedCounts_NotOneThatWasRelayed()
    {
        var failedSecond = ReportOf(Dsn("""
            Final-Recipient: rfc822; other@example.org
            Action: relayed
            Status: 2.0.0

            Final-Recipient: rfc822; eltern@example.org
            Action: failed
            Status: 5.2.2
            """));
        Assert.Equal(MailDeliveryOutcome.Bounced, failedSecond.Outcome);
        Assert.Equal("5.2.2", failedSecond.StatusCode);

        var delayedSecond = ReportOf(Dsn("""
            Final-Recipient: rfc822; other@example.org
            Status: 2.0.0

            Final-Recipient: rfc822; eltern@example.org
            Action: delayed
            Status: 4.4.1
            """));
        Assert.Equal(MailDeliveryOutcome.Deferred, delayedSecond.Outcome);
        Assert.Equal("4.4.1", delayedSecond.StatusCode);

        // Nothing failed: the first recipient is the answer.
        var relayedOnly = ReportOf(Dsn("""
            Final-Recipient: rfc822; eltern@example.org
            Action: relayed
            Status: 2.0.0

            Final-Recipient: rfc822; other@example.org
            Action: expanded
            Status: 2.1.5
            """));
        Assert.Equal(MailDeliveryOutcome.Delivered, relayedOnly.Outcome);
        Assert.Equal("2.0.0", relayedOnly.StatusCode);
    }

    [Fact]
    public void TheActionOfTheReportOutranksItsCode_AsForAMessageThatExpiredInTheQueue()
    {
        var report = ReportOf(Dsn("Final-Recipient: rfc822; eltern@example.org\nAction: failed\nStatus: 4.4.7\nDiagnostic-Code: X-Postfix; delivery temporarily suspended"));
        Assert.Equal(MailDeliveryOutcome.Bounced, report.Outcome);
        Assert.Equal("4.4.7", report.StatusCode);
    }

    [Fact]
    public void TheCodeComesFromTheStatusField_EvenWhenTheServerTextHasNone()
    {
        var report = ReportOf(Dsn("Final-Recipient: rfc822; eltern@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 Mailbox\n  does not exist here"));
        Assert.Equal("5.1.1", report.StatusCode);
        Assert.Equal("smtp; 550 Mailbox does not exist here", report.Detail);
    }

    [Fact]
    public void WithoutADiagnosticCode_TheSubjectIsTheDetail()
    {
        var report = ReportOf(Dsn("Final-Recipient: rfc822; eltern@example.org\nAction: failed\nStatus: 5.2.2", subject: "Delivery Status Notification (Failure)"));
        Assert.Equal("Delivery Status Notification (Failure)", report.Detail);
        Assert.Equal(MailDeliveryReason.MailboxFull, report.Reason);
    }

    [Fact]
    public void TheTimeIsTheLastAttempt_ElseTheArrival_ElseTheMessageDate_ElseNow()
    {
        const string recipient = "Final-Recipient: rfc822; eltern@example.org\nAction: failed\nStatus: 5.1.1";
        var lastAttempt = ReportOf(Dsn(recipient + "\nLast-Attempt-Date: Tue, 24 Nov 2026 08:15:00 +0000",
            perMessage: "Reporting-MTA: dns; mx\nArrival-Date: Tue, 24 Nov 2026 08:00:00 +0000"));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 15, 0, TimeSpan.Zero), lastAttempt.OccurredAt);

        var arrival = ReportOf(Dsn(recipient, perMessage: "Reporting-MTA: dns; mx\nArrival-Date: Tue, 24 Nov 2026 08:00:00 +0000"));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero), arrival.OccurredAt);

        var dated = ReportOf(Dsn(recipient));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero), dated.OccurredAt);

        var undated = ReportOf(Dsn(recipient, date: null));
        Assert.Equal(s_now, undated.OccurredAt);

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 30, 0, TimeSpan.Zero), ReportOf(PlainBounce("550 5.1.1 user unknown")).OccurredAt);
        Assert.Equal(s_now, ReportOf(PlainBounce("550 5.1.1 user unknown", date: null)).OccurredAt);
    }

    [Fact]
    public void APlainBounce_TakesTheServerLineWithItsIndentedContinuation_AtMostThreeLines()
    {
        var report = ReportOf(PlainBounce("""
            This message was created automatically by mail delivery software.

              eltern@example.org
                SMTP error from remote mail server after RCPT TO:<eltern@example.org>:
            550 5.1.1 <eltern@example.org>: Recipient address rejected:
                User unknown in virtual mailbox table
                (second line)
                (third line)
                (fourth line, not taken)
            """));
        Assert.Equal("550 5.1.1 <eltern@example.org>: Recipient address rejected: User unknown in virtual mailbox table (second line) (third line)",
            report.Detail);
        Assert.Equal("5.1.1", report.StatusCode);

        var stopsAtBlank = ReportOf(PlainBounce("550 5.1.1 user unknown\n    \n    later text"));
        Assert.Equal("550 5.1.1 user unknown", stopsAtBlank.Detail);

        var stopsAtUnindented = ReportOf(PlainBounce("550 5.1.1 user unknown\nnext paragraph"));
        Assert.Equal("550 5.1.1 user unknown", stopsAtUnindented.Detail);
    }

    [Fact]
    public void APlainBounce_TakesTheCodeOfTheServerLine_NotAnEarlierOneInTheText()
    {
        var report = ReportOf(PlainBounce("Status: 4.4.1 on the first attempt\n550 5.1.1 user unknown"));
        Assert.Equal("5.1.1", report.StatusCode);
        Assert.Equal(MailDeliveryOutcome.Bounced, report.Outcome);

        // The server line has none: the first code anywhere in the text is taken.
        var elsewhere = ReportOf(PlainBounce("550 Requested action not taken: mailbox unavailable\nReason: 5.2.1 account closed"));
        Assert.Equal("5.2.1", elsewhere.StatusCode);
        Assert.Equal(MailDeliveryReason.MailboxDisabled, elsewhere.Reason);
    }

    [Fact]
    public void APlainBounceWithoutServerLine_UsesTheSubject_AndWithoutSubjectHasNoDetail()
    {
        var bySubject = ReportOf(PlainBounce("Your message could not be delivered.", subject: "Undelivered Mail Returned to Sender"));
        Assert.Equal("Undelivered Mail Returned to Sender", bySubject.Detail);
        Assert.Equal(MailDeliveryOutcome.Bounced, bySubject.Outcome);

        var bare = ReportOf(PlainBounce("Your message could not be delivered.", subject: ""));
        Assert.Null(bare.Detail);
        Assert.Equal(MailDeliveryOutcome.Bounced, bare.Outcome);

        var noBody = Load($"From: MAILER-DAEMON@mx.example.net\nDelivered-To: {s_returnPath}\nSubject: Undelivered Mail\nMessage-ID: <nb@mx>\nContent-Type: multipart/mixed; boundary=\"x\"\n\n--x--\n");
        Assert.Equal("Undelivered Mail", ReportOf(noBody).Detail);

        var htmlOnly = Load($"From: MAILER-DAEMON@mx.example.net\nDelivered-To: {s_returnPath}\nSubject: Undelivered Mail\nMessage-ID: <h@mx>\nContent-Type: text/html\n\n<p>\n550 5.2.2 mailbox full\n</p>\n");
        Assert.Equal("5.2.2", ReportOf(htmlOnly).StatusCode);
    }

    [Theory]
    [InlineData("Warning: message 1vXyZ-0001 delayed 24 hours", "host not found", MailDeliveryOutcome.Deferred)]
    [InlineData("Zustellung verzögert", "host not found", MailDeliveryOutcome.Deferred)]
    [InlineData("Mail delivery failed", "450 Mailbox busy, come back later", MailDeliveryOutcome.Deferred)]
    [InlineData("Mail delivery failed", "450 Mailbox unavailable, rejected permanently", MailDeliveryOutcome.Bounced)]
    [InlineData("Mail delivery failed", "554 Message delivery delayed beyond the limit, giving up", MailDeliveryOutcome.Bounced)]
    [InlineData("Mail delivery failed", "550 User unknown", MailDeliveryOutcome.Bounced)]
    public void APlainBounce_IsADelayByItsSubjectOrByA4xxReplyThatDoesNotSayPermanent(string subject, string body, MailDeliveryOutcome expected) =>
        Assert.Equal(expected, ReportOf(PlainBounce(body, subject: subject)).Outcome);

    [Fact]
    public void APlainBounceWithoutSubjectOrServerLine_IsReadWithoutOne() =>
        Assert.Null(ReportOf(PlainBounce("Nothing useful here.", subject: "")).StatusCode);

    [Theory]
    [InlineData("Auto-Submitted: auto-replied", "Re: PIN", BounceKind.AutoReply)]
    [InlineData("X-Autoreply: yes", "Re: PIN", BounceKind.AutoReply)]
    [InlineData("X-Autorespond: yes", "Re: PIN", BounceKind.AutoReply)]
    [InlineData("X-Auto-Response-Suppress: All", "Automatic reply: PIN", BounceKind.AutoReply)]
    [InlineData("X-Auto-Response-Suppress: All", "Re: PIN", BounceKind.Unusable)]
    [InlineData("Precedence: auto_reply", "Re: PIN", BounceKind.AutoReply)]
    [InlineData("Precedence: bulk", "Re: PIN", BounceKind.Unusable)]
    [InlineData("X-Other: 1", "Out of office", BounceKind.AutoReply)]
    [InlineData("X-Other: 1", "Re: PIN", BounceKind.Unusable)]
    [InlineData("Auto-Submitted: auto-generated", "Re: PIN", BounceKind.Unusable)]
    public void AutoReplies_AreRecognisedByTheirHeadersAndSubjects(string header, string subject, BounceKind expected)
    {
        var message = Load($"From: eltern@example.org\nDelivered-To: {s_returnPath}\n{header}\nSubject: {subject}\nMessage-ID: <a@x>\nContent-Type: text/plain\n\nDanke!\n");
        Assert.Equal(expected, BounceParser.Read(message, s_options, s_now).Kind);
    }

    [Fact]
    public void AnAutoSubmittedBounce_IsABounce_NotAnAutoReply()
    {
        var message = PlainBounce("550 5.1.1 user unknown");
        message.Headers.Add("Auto-Submitted", "auto-replied");
        Assert.Equal(BounceKind.Report, BounceParser.Read(message, s_options, s_now).Kind);
    }

    [Theory]
    [InlineData("postmaster@mx.example.net", "Ihre Nachricht", BounceKind.Report)]
    [InlineData("eltern@example.org", "Undelivered Mail Returned to Sender", BounceKind.Report)]
    [InlineData("", "Returned mail: see transcript for details", BounceKind.Report)]
    [InlineData("", "Ihre Nachricht", BounceKind.Unusable)]
    [InlineData("eltern@example.org", "Ihre Nachricht", BounceKind.Unusable)]
    public void ABounceIsKnownByItsDaemonSenderOrItsSubject(string from, string subject, BounceKind expected) =>
        Assert.Equal(expected, BounceParser.Read(PlainBounce("550 5.1.1 user unknown", subject: subject, from: from), s_options, s_now).Kind);
}
