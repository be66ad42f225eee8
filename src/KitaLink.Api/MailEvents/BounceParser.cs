using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using KitaLink.Api.Infrastructure.Email;
using MimeKit;

namespace KitaLink.Api.MailEvents;

/// <summary>What a message in the bounce mailbox is.</summary>
public enum BounceKind
{
    /// <summary>A bounce or delay notice for one of our messages (<see cref="BounceReading.Report"/> is set).</summary>
    Report,
    /// <summary>An auto-reply or out-of-office answer: nothing happened to the mail, so nothing is recorded.</summary>
    AutoReply,
    /// <summary>Neither: no delivery report, or none that names a return path of ours.</summary>
    Unusable,
}

public sealed record BounceReading(BounceKind Kind, MailDeliveryReport? Report, string Why);

/// <summary>
/// Reads one message of the bounce mailbox. The message is tied to an outbox message only by the return-path token
/// in the address it was delivered to (<c>bounces+&lt;token&gt;@&lt;bounce domain&gt;</c>), never by what its body claims
/// about the original mail. RFC 3464 delivery status notifications (Postfix, Exchange/Microsoft 365, Gmail, newer Exim)
/// are read through MimeKit's <see cref="MessageDeliveryStatus"/>; the plain-text bounces of older Exim, qmail and
/// GMX/web.de by their status code and the server's words.
/// </summary>
public static partial class BounceParser
{
    public const string Source = "imap";

    /// <summary>Headers that carry the envelope recipient (the return path) after delivery into the mailbox, most reliable first.</summary>
    // Stryker disable once String : names, not logic, in a static initializer (Stryker could only test them with a fresh
    // process and every unit test); BounceParserRulesTests finds the return path in each of these headers.
    private static readonly string[] s_recipientHeaders = ["Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Delivered-To", "To"];

    public static BounceReading Read(MimeMessage message, BounceOptions options, DateTimeOffset now)
    {
        var token = TokenOf(message, options);
        var key = EventKey(message);
        var report = FindDeliveryStatus(message.Body);
        if (report is not null)
        {
            return token is null
                ? new BounceReading(BounceKind.Unusable, null, "delivery status notification not sent to a return path of ours")
                : FromDeliveryStatus(report, message, token, key, now);
        }
        if (IsAutoReply(message))
        {
            return new BounceReading(BounceKind.AutoReply, null, "auto-reply");
        }
        if (!LooksLikeBounce(message))
        {
            return new BounceReading(BounceKind.Unusable, null, "not a delivery report");
        }
        if (token is null)
        {
            return new BounceReading(BounceKind.Unusable, null, "bounce not sent to a return path of ours");
        }
        return FromText(message, token, key, now);
    }

    private static string? TokenOf(MimeMessage message, BounceOptions options)
    {
        foreach (var header in s_recipientHeaders)
        {
            foreach (var value in message.Headers.Where(h => h.Field.Equals(header, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value))
            {
                var addresses = InternetAddressList.TryParse(value, out var list)
                    ? list.Mailboxes.Select(m => m.Address)
                    : [value];
                foreach (var address in addresses)
                {
                    if (options.TokenOf(address) is { } token)
                    {
                        return token;
                    }
                }
            }
        }
        return null;
    }

    /// <summary>The bounce's own Message-ID (two readers see the same one); without one, a hash of its headers.</summary>
    private static string EventKey(MimeMessage message)
    {
        if (!string.IsNullOrWhiteSpace(message.MessageId))
        {
            return message.MessageId.Trim();
        }
        var headers = string.Join("\n", message.Headers.Select(h => $"{h.Field}:{h.Value}"));
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(headers)));
    }

    private static MessageDeliveryStatus? FindDeliveryStatus(MimeEntity? entity) => entity switch
    {
        MessageDeliveryStatus status => status,
        Multipart multipart => multipart.Select(FindDeliveryStatus).FirstOrDefault(s => s is not null),
        _ => null,
    };

    private static BounceReading FromDeliveryStatus(MessageDeliveryStatus status, MimeMessage message, string token, string key, DateTimeOffset now)
    {
        var groups = status.StatusGroups;
        // Group 0 holds the per-message fields; each further group is one recipient. We send to one recipient, so the
        // first recipient that failed or was delayed is the answer (a "delivered" or "relayed" group only when nothing failed).
        var recipients = groups.Skip(1).ToList();
        var chosen = recipients.FirstOrDefault(g => g["Action"] is { } a && (a.Trim().Equals("failed", StringComparison.OrdinalIgnoreCase) || a.Trim().Equals("delayed", StringComparison.OrdinalIgnoreCase)))
            ?? recipients.FirstOrDefault();
        if (chosen is null)
        {
            return new BounceReading(BounceKind.Unusable, null, "delivery status without a recipient");
        }
        var action = chosen["Action"]?.Trim();
        var code = MailDeliveryClassifier.StatusCodeIn(chosen["Status"]);
        var diagnostic = Unfold(chosen["Diagnostic-Code"]);
        var detail = diagnostic ?? TextSummary(message);
        var occurred = DateOf(chosen["Last-Attempt-Date"]) ?? DateOf(groups[0]["Arrival-Date"]) ?? (message.Date == default ? null : message.Date);
        return new BounceReading(BounceKind.Report,
            MailDeliveryReport.Classify(Source, key, token, null, code, action, detail, occurred ?? now), "delivery status notification");
    }

    private static BounceReading FromText(MimeMessage message, string token, string key, DateTimeOffset now)
    {
        var text = message.TextBody ?? message.HtmlBody ?? "";
        var detail = DiagnosticLine(text) ?? TextSummary(message);
        var code = MailDeliveryClassifier.StatusCodeIn(detail) ?? MailDeliveryClassifier.StatusCodeIn(text);
        // Exim and others announce delays in the subject ("Warning: message ... delayed 24 hours"). Without an enhanced
        // code, the SMTP reply decides: 4xx is a delay unless the text says the server gave up for good.
        string? action = null;
        if (DelaySubject().IsMatch(message.Subject ?? ""))
        {
            action = "delayed";
        }
        else if (code is null && SmtpReply().Match(detail ?? "") is { Success: true } reply)
        {
            action = reply.Value[0] == '4' && !PermanentWords().IsMatch(text) ? "delayed" : "failed";
        }
        return new BounceReading(BounceKind.Report,
            MailDeliveryReport.Classify(Source, key, token, null, code, action, detail, message.Date == default ? now : message.Date), "plain-text bounce");
    }

    /// <summary>The line with the remote server's answer: one holding an SMTP reply (<c>550 ...</c>) or a known error phrase, with its continuation.</summary>
    private static string? DiagnosticLine(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        for (var i = 0; i < lines.Count; i++)
        {
            if (SmtpReply().IsMatch(lines[i]) || ReasonWords().IsMatch(lines[i]))
            {
                var parts = new List<string> { lines[i].Trim() };
                // Exim indents continuation lines of the remote answer.
                for (var j = i + 1; j < lines.Count && j < i + 4 && lines[j].StartsWith("    ", StringComparison.Ordinal) && lines[j].Trim().Length > 0; j++)
                {
                    parts.Add(lines[j].Trim());
                }
                return string.Join(' ', parts);
            }
        }
        return null;
    }

    private static string? TextSummary(MimeMessage message) =>
        message.Subject is { Length: > 0 } subject ? subject : null;

    private static string? Unfold(string? value) =>
        value is null ? null : string.Join(' ', value.Split((char[])['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));

    private static DateTimeOffset? DateOf(string? value) =>
        value is not null && MimeKit.Utils.DateUtils.TryParse(value.Trim(), out var date) ? date : null;

    /// <summary>RFC 3834 and the common vendor headers and subjects of vacation and out-of-office replies.</summary>
    private static bool IsAutoReply(MimeMessage message)
    {
        var headers = message.Headers;
        if (headers["Auto-Submitted"] is { } autoSubmitted && autoSubmitted.Trim().StartsWith("auto-replied", StringComparison.OrdinalIgnoreCase))
        {
            return !LooksLikeBounce(message);
        }
        return headers.Contains("X-Autoreply") || headers.Contains("X-Autorespond")
            || (headers["Precedence"]?.Trim().Equals("auto_reply", StringComparison.OrdinalIgnoreCase) ?? false)
            || OutOfOfficeSubject().IsMatch(message.Subject ?? "");
    }

    private static bool LooksLikeBounce(MimeMessage message)
    {
        var from = message.From.Mailboxes.FirstOrDefault()?.Address ?? "";
        return DaemonSender().IsMatch(from) || BounceSubject().IsMatch(message.Subject ?? "");
    }

    [GeneratedRegex(@"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|maildaemon)@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DaemonSender();

    [GeneratedRegex(@"undeliver|undelivered|delivery (status notification|failure|failed|has failed|incomplete|delayed)|returned mail|returning message|mail delivery (failed|failure|system)|failure notice|nicht zustellbar|unzustellbar|zustellung (fehlgeschlagen|verzögert)|warning: message .* delayed", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BounceSubject();

    [GeneratedRegex(@"^(auto(matic)? ?(reply|response|antwort)|automatische antwort|out of (the )?office|abwesenheit|abwesend|vacation|urlaub|auto:)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OutOfOfficeSubject();

    [GeneratedRegex(@"delayed|delay|verzögert|not yet been delivered", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DelaySubject();

    [GeneratedRegex(@"(?<!\d)[45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3}|[A-Za-z<])", RegexOptions.CultureInvariant)]
    private static partial Regex SmtpReply();

    [GeneratedRegex(@"permanent|permanently|dauerhaft", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PermanentWords();

    [GeneratedRegex(@"user unknown|unknown user|no such user|does not exist|mailbox (is )?full|quota exceeded|over quota|mailbox unavailable|host not found", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ReasonWords();
}
