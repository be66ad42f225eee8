using System.Net.Sockets;
using System.Security.Cryptography;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>Why one delivery attempt failed, and whether trying again can help.</summary>
/// <param name="Permanent">The server refused this message for good (5xx), or it can never be built.</param>
/// <param name="Reason">The server's reply (<c>550 5.1.1 unknown mailbox</c>) or what went wrong on the way; shown to staff.</param>
/// <param name="SmtpStatus">The SMTP reply code, when the server answered.</param>
public sealed record MailFailure(bool Permanent, string Reason, int? SmtpStatus)
{
    /// <summary>
    /// The server could not be reached or the connection broke (not an answer about this message):
    /// the rest of the batch would fail the same way, so it is not tried on this round.
    /// </summary>
    public bool ServerUnavailable { get; init; }

    /// <summary>An exception nobody anticipated (a bug rather than a mail problem); logged with its stack trace and retried.</summary>
    public bool Unexpected { get; init; }

    /// <summary>Reasons are stored in a 2000-character column and shown to staff; server replies are short, stack traces are not welcome.</summary>
    public const int MaxReasonLength = 1000;

    /// <summary>
    /// Sorts an exception from connecting or sending into permanent or transient. Only a 5xx reply to
    /// this message (its recipient or its data) is permanent: the address does not exist or the mailbox
    /// is full, and retrying would only repeat the bounce. A 5xx to MAIL FROM is about our own sender
    /// configuration, which an operator can fix, so it is retried like 4xx replies, connection,
    /// TLS, authentication, protocol, I/O and timeout errors.
    /// </summary>
    public static MailFailure Classify(Exception exception) => exception switch
    {
        SmtpCommandException command => FromReply(command),
        SmtpProtocolException protocol => Unavailable($"SMTP protocol error: {protocol.Message}"),
        AuthenticationException auth => Unavailable($"SMTP authentication failed: {auth.Message}"),
        System.Security.Authentication.AuthenticationException tls => Unavailable($"TLS with the SMTP server failed: {tls.Message}"),
        ServiceNotConnectedException => Unavailable("SMTP connection was closed by the server."),
        ServiceNotAuthenticatedException => Unavailable("SMTP server requires authentication."),
        SslHandshakeException tls => Unavailable($"TLS handshake with the SMTP server failed: {tls.Message}"),
        SocketException socket => Unavailable($"SMTP server unreachable: {socket.SocketErrorCode} ({socket.Message})"),
        TimeoutException or OperationCanceledException => Unavailable("SMTP server did not answer in time."),
        IOException io when io.InnerException is SocketException inner => Unavailable($"SMTP connection failed: {inner.SocketErrorCode} ({inner.Message})"),
        IOException io => Unavailable($"I/O error while delivering: {io.Message}"),
        // The recipient as stored cannot be written into a mail header; no retry can change that.
        ParseException => PermanentFailure($"Invalid recipient address: {exception.Message}", null),
        // The body was encrypted with a Data Protection key that no longer exists; it cannot be recovered.
        CryptographicException => PermanentFailure("The mail body could not be decrypted (Data Protection key missing).", null),
        _ => Transient($"Unexpected error: {exception.GetType().Name}: {exception.Message}") with { Unexpected = true },
    };

    private static MailFailure FromReply(SmtpCommandException command)
    {
        var code = (int)command.StatusCode;
        var reason = $"{code} {command.Message}".Trim();
        var permanent = code >= 500 && command.ErrorCode != SmtpErrorCode.SenderNotAccepted;
        return permanent ? PermanentFailure(reason, code) : new MailFailure(false, Clip(reason), code);
    }

    private static MailFailure Transient(string reason) => new(false, Clip(reason), null);

    private static MailFailure Unavailable(string reason) => new(false, Clip(reason), null) { ServerUnavailable = true };

    private static MailFailure PermanentFailure(string reason, int? status) => new(true, Clip(reason), status);

    private static string Clip(string reason)
    {
        var oneLine = reason.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= MaxReasonLength ? oneLine : oneLine[..MaxReasonLength];
    }
}

/// <summary>Exponential backoff with jitter between delivery attempts.</summary>
public static class OutboxBackoff
{
    /// <summary>
    /// The delay after the <paramref name="attempts"/>-th failed attempt: base · 2^(attempts − 1), capped,
    /// then shortened by up to 20 % at random so that messages that failed together (an SMTP outage)
    /// do not all come back in the same second.
    /// </summary>
    /// <param name="random">A value in [0, 1); injected so tests can pin the jitter.</param>
    public static TimeSpan Delay(int attempts, OutboxOptions options, double random)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var full = Math.Min(options.BackoffCapSeconds, options.BackoffBaseSeconds * Math.Pow(2, exponent));
        var jittered = full * (1 - (0.2 * Math.Clamp(random, 0, 1)));
        return TimeSpan.FromSeconds(jittered);
    }
}
