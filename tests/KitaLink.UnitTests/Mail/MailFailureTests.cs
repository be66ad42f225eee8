using System.Net.Sockets;
using System.Security.Cryptography;
using KitaLink.Api.Infrastructure.Email;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace KitaLink.UnitTests.Mail;

public sealed class MailFailureTests
{
    [Theory]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, "5.1.1 unknown mailbox", "550 5.1.1 unknown mailbox")]
    [InlineData(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.ExceededStorageAllocation, "mailbox full", "552 mailbox full")]
    [InlineData(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "5.7.1 message rejected as spam", "554 5.7.1 message rejected as spam")]
    public void ServerReply5xx_ForTheMessage_IsPermanent_WithTheServersReply(SmtpErrorCode error, SmtpStatusCode status, string reply, string expected)
    {
        var failure = MailFailure.Classify(new SmtpCommandException(error, status, reply));
        Assert.True(failure.Permanent);
        Assert.Equal(expected, failure.Reason);
        Assert.Equal((int)status, failure.SmtpStatus);
        Assert.False(failure.ServerUnavailable);
    }

    [Theory]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxBusy)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.InsufficientStorage)]
    [InlineData(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable)]
    public void ServerReply4xx_IsTransient(SmtpErrorCode error, SmtpStatusCode status)
    {
        var failure = MailFailure.Classify(new SmtpCommandException(error, status, "try again later"));
        Assert.False(failure.Permanent);
        Assert.Equal((int)status, failure.SmtpStatus);
        Assert.StartsWith($"{(int)status} ", failure.Reason);
    }

    [Fact]
    public void SenderRejected5xx_IsOurConfiguration_AndRetried()
    {
        var failure = MailFailure.Classify(new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxUnavailable, "sender not allowed"));
        Assert.False(failure.Permanent);
        Assert.Equal(550, failure.SmtpStatus);
    }

    public static TheoryData<Exception> ConnectionProblems() => new()
    {
        new SocketException((int)SocketError.ConnectionRefused),
        new IOException("Unable to read data from the transport connection.", new SocketException((int)SocketError.ConnectionReset)),
        new IOException("disk full"),
        new TimeoutException(),
        new OperationCanceledException(),
        new SmtpProtocolException("The SMTP server has unexpectedly disconnected."),
        new AuthenticationException("535 5.7.8 bad credentials"),
        new System.Security.Authentication.AuthenticationException("remote certificate invalid"),
        new MailKit.ServiceNotConnectedException(),
    };

    [Theory]
    [MemberData(nameof(ConnectionProblems))]
    public void ConnectionProtocolIoAndTimeoutErrors_AreTransient_AndMarkTheServerUnavailable(Exception exception)
    {
        var failure = MailFailure.Classify(exception);
        Assert.False(failure.Permanent);
        Assert.True(failure.ServerUnavailable);
        Assert.Null(failure.SmtpStatus);
        Assert.False(string.IsNullOrWhiteSpace(failure.Reason));
    }

    [Fact]
    public void UnreadableBodyOrAddress_IsPermanent()
    {
        Assert.True(MailFailure.Classify(new CryptographicException("key not found")).Permanent);
        var parse = Assert.Throws<ParseException>(() => MailboxAddress.Parse("not an address <"));
        Assert.True(MailFailure.Classify(parse).Permanent);
    }

    [Fact]
    public void UnexpectedException_IsTransientAndFlagged()
    {
        var failure = MailFailure.Classify(new InvalidOperationException("bug"));
        Assert.False(failure.Permanent);
        Assert.True(failure.Unexpected);
        Assert.False(failure.ServerUnavailable);
    }

    [Fact]
    public void LongReplies_AreClippedToOneLine()
    {
        var reply = "5.1.1 " + string.Join("\r\n", Enumerable.Repeat("blah", 1000));
        var failure = MailFailure.Classify(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, reply));
        Assert.Equal(MailFailure.MaxReasonLength, failure.Reason.Length);
        Assert.DoesNotContain('\n', failure.Reason);
    }
}
