using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>What a report after the first hop says happened to a sent message.</summary>
public enum MailDeliveryOutcome
{
    /// <summary>In the recipient's mailbox (only mail providers report this).</summary>
    Delivered,
    /// <summary>Not delivered yet, still being retried (soft bounce, delay notice).</summary>
    Deferred,
    /// <summary>Given up for good (hard bounce).</summary>
    Bounced,
}

/// <summary>Why a message was deferred or bounced, as a category staff can act on (from RFC 3463 codes and the server's words).</summary>
public enum MailDeliveryReason
{
    /// <summary>The mailbox does not exist (<c>5.1.1</c>, "user unknown").</summary>
    AddressUnknown,
    /// <summary>The domain does not exist or takes no mail (<c>5.1.2</c>, <c>5.4.4</c>).</summary>
    DomainUnknown,
    /// <summary>The mailbox is full (<c>5.2.2</c>, <c>4.2.2</c>, "over quota").</summary>
    MailboxFull,
    /// <summary>The mailbox exists but is disabled or does not accept mail (<c>5.2.1</c>).</summary>
    MailboxDisabled,
    /// <summary>Refused by policy: spam filter, block list, authentication (<c>5.7.x</c>).</summary>
    Blocked,
    /// <summary>Refused for another permanent reason.</summary>
    Rejected,
    /// <summary>A temporary problem on the way; the servers keep trying.</summary>
    TemporaryFailure,
}

/// <summary>Sorts a bounce's status code and text into outcome and reason: the one rule shared by bounce messages and provider events.</summary>
public static partial class MailDeliveryClassifier
{
    /// <summary>
    /// The outcome: class 2 is delivered, class 4 (or a DSN action <c>delayed</c>) deferred, class 5 (or action
    /// <c>failed</c>) bounced. Without a code, the server's words decide; with none at all, a bounce is assumed
    /// (a bounce message says it failed by being one).
    /// </summary>
    public static MailDeliveryOutcome Outcome(string? statusCode, string? action, string? text)
    {
        if (action is { } a)
        {
            if (a.Equals("delivered", StringComparison.OrdinalIgnoreCase) || a.Equals("relayed", StringComparison.OrdinalIgnoreCase)
                || a.Equals("expanded", StringComparison.OrdinalIgnoreCase))
            {
                return MailDeliveryOutcome.Delivered;
            }
            if (a.Equals("delayed", StringComparison.OrdinalIgnoreCase))
            {
                return MailDeliveryOutcome.Deferred;
            }
            if (a.Equals("failed", StringComparison.OrdinalIgnoreCase))
            {
                return MailDeliveryOutcome.Bounced;
            }
        }
        return statusCode?.FirstOrDefault() switch
        {
            '2' => MailDeliveryOutcome.Delivered,
            '4' => MailDeliveryOutcome.Deferred,
            '5' => MailDeliveryOutcome.Bounced,
            _ => text is not null && DelayWords().IsMatch(text) ? MailDeliveryOutcome.Deferred : MailDeliveryOutcome.Bounced,
        };
    }

    /// <summary>The reason of a deferral or bounce, from the enhanced status code first and the server's words second.</summary>
    public static MailDeliveryReason Reason(MailDeliveryOutcome outcome, string? statusCode, string? text)
    {
        var parts = statusCode?.Split('.');
        var (subject, detail) = parts is { Length: 3 } ? (parts[1], parts[2]) : ("", "");
        MailDeliveryReason? byCode = (subject, detail) switch
        {
            ("2", "2") => MailDeliveryReason.MailboxFull,
            ("1", "2") or ("4", "4") => MailDeliveryReason.DomainUnknown,
            ("1", "1") or ("1", "0") or ("1", "3") or ("1", "6") or ("1", "10") => MailDeliveryReason.AddressUnknown,
            ("2", "1") => MailDeliveryReason.MailboxDisabled,
            ("7", _) => MailDeliveryReason.Blocked,
            _ => null,
        };
        // Generic codes (5.0.0, 4.0.0, 5.5.0) say little; servers often put the real reason in words.
        var byText = text is null ? null
            : MailboxFullWords().IsMatch(text) ? MailDeliveryReason.MailboxFull
            : UnknownUserWords().IsMatch(text) ? MailDeliveryReason.AddressUnknown
            : UnknownDomainWords().IsMatch(text) ? MailDeliveryReason.DomainUnknown
            : BlockedWords().IsMatch(text) ? MailDeliveryReason.Blocked
            : DisabledWords().IsMatch(text) ? MailDeliveryReason.MailboxDisabled
            : (MailDeliveryReason?)null;
        return byCode ?? byText ?? (outcome == MailDeliveryOutcome.Deferred ? MailDeliveryReason.TemporaryFailure : MailDeliveryReason.Rejected);
    }

    /// <summary>The first RFC 3463 enhanced status code in a text (<c>550 5.1.1 ...</c> gives <c>5.1.1</c>), if any.</summary>
    public static string? StatusCodeIn(string? text) =>
        text is not null && EnhancedCode().Match(text) is { Success: true } match ? match.Value : null;

    [GeneratedRegex(@"(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?![\d.]*\d)", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedCode();

    [GeneratedRegex(@"quota|mailbox (is )?full|over ?quota|insufficient (storage|space)|storage allocation|speicher(platz)? (ist )?(voll|erschöpft)|postfach (ist )?voll", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MailboxFullWords();

    [GeneratedRegex(@"user unknown|unknown user|no such (user|mailbox|recipient)|does not exist|doesn't exist|recipient (address )?rejected|mailbox unavailable|invalid (recipient|mailbox)|address rejected|not found|unbekannt|existiert nicht", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnknownUserWords();

    [GeneratedRegex(@"host (or domain name )?not found|domain (not found|does not exist)|name service error|no mx|nxdomain|unrouteable|unroutable", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnknownDomainWords();

    [GeneratedRegex(@"spam|blocked|block ?list|blacklist|policy|reputation|denied|dmarc|spf|dkim", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BlockedWords();

    [GeneratedRegex(@"disabled|deactivated|inactive|gesperrt", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DisabledWords();

    [GeneratedRegex(@"delay|deferred|will (retry|keep trying|try again)|still trying|not yet been delivered|temporar|verzögert", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DelayWords();
}

/// <summary>The unguessable token of a message's return path.</summary>
public static class ReturnTokens
{
    /// <summary>Letters and digits only, so the token survives every mail system's address handling (lower case, no symbols).</summary>
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Length of a token: 26 characters of 5 bits, 130 bits from a CSPRNG.</summary>
    public const int Length = 26;

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[Length];
        RandomNumberGenerator.Fill(bytes);
        Span<char> chars = stackalloc char[Length];
        for (var i = 0; i < Length; i++)
        {
            chars[i] = Alphabet[bytes[i] & 31];
        }
        return new string(chars);
    }

    /// <summary>Whether <paramref name="value"/> has the shape of a token (checked before any database lookup).</summary>
    public static bool IsWellFormed(string? value) =>
        value is { Length: Length } && value.All(c => Alphabet.Contains(c));
}
