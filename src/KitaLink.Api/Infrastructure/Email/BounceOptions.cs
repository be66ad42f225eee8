using System.ComponentModel.DataAnnotations;
using MimeKit;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>
/// <c>Bounces__*</c>: where bounces come back to and how KitaLink learns of them. With a <see cref="Domain"/> every
/// message goes out with its own return path <c>bounces+&lt;token&gt;@&lt;domain&gt;</c> (VERP); the bounce mailbox reader
/// (<see cref="Imap"/>) and the provider endpoint (<c>POST /api/v1/mail-events/{provider}</c>) tie reports to the message by it.
/// </summary>
public sealed class BounceOptions
{
    public const string Section = "Bounces";

    /// <summary>Carries the return-path token to Postmark, which returns it as <c>Metadata.kitalink-token</c> in its webhooks.</summary>
    public const string PostmarkMetadataHeader = "X-PM-Metadata-kitalink-token";

    /// <summary>Domain of the return paths; its MX must deliver <c>bounces+*</c> into the bounce mailbox. Empty: the sender address is the return path (no VERP).</summary>
    public string? Domain { get; set; }

    /// <summary>Local part before the <c>+token</c>.</summary>
    [RegularExpression("^[a-zA-Z0-9._-]{1,40}$")]
    public string LocalPart { get; set; } = "bounces";

    public BounceImapOptions Imap { get; set; } = new();

    /// <summary>Amazon SES notifications (through an SNS HTTPS subscription with basic auth in its URL).</summary>
    public ProviderCredentials Ses { get; set; } = new();

    /// <summary>Postmark bounce and delivery webhooks (basic auth in the webhook URL).</summary>
    public ProviderCredentials Postmark { get; set; } = new();

    /// <summary>Largest provider event body accepted, in bytes (at most the service's general request limit of 64 KiB).</summary>
    [Range(1024, 64 * 1024)]
    public int MaxEventBytes { get; set; } = 64 * 1024;

    public bool UsesReturnPath => !string.IsNullOrWhiteSpace(Domain);

    /// <summary>The envelope sender of the message with this token.</summary>
    public MailboxAddress ReturnPath(string token) => new("", $"{LocalPart}+{token}@{Domain!.Trim()}");

    /// <summary>The token of a return path of this deployment (<c>bounces+TOKEN@domain</c>), or null for any other address.</summary>
    public string? TokenOf(string? address)
    {
        if (!UsesReturnPath || address is null)
        {
            return null;
        }
        var trimmed = address.Trim().Trim('<', '>');
        var prefix = LocalPart + "+";
        var suffix = "@" + Domain!.Trim();
        if (!trimmed.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || !trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var token = trimmed[prefix.Length..^suffix.Length].ToLowerInvariant();
        return ReturnTokens.IsWellFormed(token) ? token : null;
    }
}

/// <summary><c>Bounces__Imap__*</c>: the mailbox that receives the bounces (the MX of the bounce domain delivers there).</summary>
public sealed class BounceImapOptions
{
    /// <summary>IMAP server; empty: no reader runs.</summary>
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 993;

    /// <summary>Unset: TLS on port 993, STARTTLS when offered otherwise. <c>false</c>: plain text (loopback test servers only).</summary>
    public bool? UseTls { get; set; }

    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>Folder the bounces arrive in.</summary>
    public string Folder { get; set; } = "INBOX";

    /// <summary>Where handled messages are moved (bounces recorded, auto-replies ignored).</summary>
    public string ProcessedFolder { get; set; } = "KitaLink-Processed";

    /// <summary>Where messages that could not be used are moved (too big, unreadable, not for one of our messages).</summary>
    public string RejectedFolder { get; set; } = "KitaLink-Rejected";

    [Range(1, 3600)]
    public int PollIntervalSeconds { get; set; } = 30;

    /// <summary>Messages handled per round.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>Messages larger than this are not downloaded but moved to the rejected folder.</summary>
    [Range(1024, 50 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Run the reader in this instance (any number of instances may read one mailbox).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>Basic-auth credentials a provider presents when it posts events; both empty: the provider's endpoint is off (404).</summary>
public sealed class ProviderCredentials
{
    public string? Username { get; set; }
    public string? Password { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(Username) && !string.IsNullOrEmpty(Password);
}
