using System.ComponentModel.DataAnnotations;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>
/// <c>Smtp__*</c>: the SMTP server that accepts KitaLink's mail. Without a <see cref="Host"/> mail is
/// written as <c>.eml</c> files to <see cref="PickupDirectory"/> instead (the development default).
/// </summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    /// <summary>SMTP server host name; empty means "no server, write to the pickup directory".</summary>
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>Sender mailbox, e.g. <c>KitaLink &lt;no-reply@kita.example&gt;</c>.</summary>
    [Required]
    public string From { get; set; } = "KitaLink <no-reply@kitalink.example>";

    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>
    /// Unset: STARTTLS when the server offers it. <c>true</c>: TLS is required (implicit TLS on port 465,
    /// STARTTLS otherwise). <c>false</c>: plain text, only for local test peers and relays on loopback.
    /// </summary>
    public bool? UseTls { get; set; }

    /// <summary>Folder for <c>.eml</c> files when no host is configured; relative paths are relative to the content root.</summary>
    public string? PickupDirectory { get; set; }

    /// <summary>Timeout of one SMTP network operation (connect, one command, the message data).</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// SMTP connections one sender uses at once; a batch is shared out over them. Keep it within the
    /// provider's limit on concurrent connections (often 2 to 5).
    /// </summary>
    [Range(1, 16)]
    public int MaxConnections { get; set; } = 2;

    /// <summary>
    /// Use ESMTP PIPELINING when the server offers it. Off by default: it saves one round trip per
    /// message, but against servers that write each pipelined reply separately, Nagle's algorithm and
    /// delayed ACKs stall every message by about 40 ms, which caps a connection at some 20 mails/s.
    /// </summary>
    public bool Pipelining { get; set; }

    public bool UsesPickupDirectory => string.IsNullOrWhiteSpace(Host);

    internal SecureSocketOptions SocketOptions => UseTls switch
    {
        null => SecureSocketOptions.StartTlsWhenAvailable,
        true when Port == 465 => SecureSocketOptions.SslOnConnect,
        true => SecureSocketOptions.StartTls,
        false => SecureSocketOptions.None,
    };

    internal MailboxAddress FromMailbox() => MailboxAddress.Parse(From);
}

/// <summary><c>Outbox__*</c>: how the background sender polls, batches and retries.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>Run the background sender in this instance (several instances may all run it).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Pause between polls when nothing is due. Short, because PIN 2 should arrive while staff still talk to the parent.</summary>
    [Range(10, 60_000)]
    public int PollIntervalMilliseconds { get; set; } = 500;

    /// <summary>Messages claimed per round; they share one SMTP connection.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>
    /// Delivery attempts before a message fails for good. With the default backoff, 20 attempts keep
    /// retrying for about 13 hours, so an SMTP outage overnight loses nothing.
    /// </summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 20;

    /// <summary>Delay before the second attempt; it doubles with every further attempt.</summary>
    [Range(1, 86_400)]
    public int BackoffBaseSeconds { get; set; } = 15;

    /// <summary>Upper bound of the delay between two attempts.</summary>
    [Range(1, 86_400)]
    public int BackoffCapSeconds { get; set; } = 3600;

    /// <summary>
    /// How long a claimed message belongs to one sender. Another instance may take it over only after
    /// that (e.g. when the first one crashed), so it must comfortably exceed the time one batch needs.
    /// </summary>
    [Range(30, 3600)]
    public int LeaseSeconds { get; set; } = 300;
}

/// <summary>Checks what data annotations cannot: the sender address parses and credentials come in pairs.</summary>
internal sealed class SmtpOptionsValidator : IValidateOptions<SmtpOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        var failures = new List<string>();
        if (!MailboxAddress.TryParse(options.From, out var from) || string.IsNullOrWhiteSpace(from.Address) || !from.Address.Contains('@'))
        {
            failures.Add($"Smtp:From '{options.From}' is not a valid mailbox (e.g. 'KitaLink <no-reply@kita.example>').");
        }
        if (string.IsNullOrEmpty(options.Username) != string.IsNullOrEmpty(options.Password))
        {
            failures.Add("Smtp:Username and Smtp:Password must be set together.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Checks the backoff bounds and that a lease outlasts the SMTP timeouts of one send.</summary>
internal sealed class OutboxOptionsValidator(IOptions<SmtpOptions> smtp) : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var failures = new List<string>();
        if (options.BackoffCapSeconds < options.BackoffBaseSeconds)
        {
            failures.Add("Outbox:BackoffCapSeconds must not be smaller than Outbox:BackoffBaseSeconds.");
        }
        // A batch stops starting new sends two SMTP timeouts before its lease ends (see OutboxProcessor);
        // a shorter lease would leave no time to send anything.
        var minimumLease = 3 * smtp.Value.TimeoutSeconds;
        if (options.LeaseSeconds < minimumLease)
        {
            failures.Add($"Outbox:LeaseSeconds must be at least three SMTP timeouts ({minimumLease} s).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
