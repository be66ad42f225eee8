using System.Net;
using System.Text;

namespace KitaLink.Api.Infrastructure.Email;

public sealed record PasswordResetMailModel(string ResetToken, DateTimeOffset ExpiresAt);

/// <summary>
/// Bilingual (German first, then English) plain-text and HTML mails. Every value that staff or parents
/// typed (names, facility) is HTML-encoded in the HTML part, so a guardian named
/// <c>&lt;script&gt;</c> stays text.
/// </summary>
public static class MailTemplates
{
    /// <summary>The subject column holds at most this many characters.</summary>
    public const int MaxSubjectLength = 300;

    internal const string Separator = "------------------------------------------------------------";

    /// <summary>The password reset mail: a code to type into the app's "enter reset code" screen, no link.</summary>
    public static MailContent PasswordReset(PasswordResetMailModel model)
    {
        var token = model.ResetToken;
        var expiresDe = KitaTime.GermanDateTime(model.ExpiresAt);
        var expiresEn = KitaTime.EnglishDateTime(model.ExpiresAt);

        var subject = Subject("Ihr Code zum Zurücksetzen des Passworts / Your password reset code");

        var text = new StringBuilder()
            .AppendLine("Guten Tag,")
            .AppendLine()
            .AppendLine("für Ihr KitaLink-Konto wurde ein neues Passwort angefordert. Ihr Code zum Zurücksetzen:")
            .AppendLine()
            .AppendLine($"    {token}")
            .AppendLine()
            .AppendLine($"Geben Sie den Code in der KitaLink-App unter „Code eingeben“ ein und wählen Sie ein neues Passwort. Der Code gilt eine Stunde (bis {expiresDe}) und nur einmal.")
            .AppendLine()
            .AppendLine("Sie haben kein neues Passwort angefordert? Dann ignorieren Sie diese E-Mail einfach; Ihr Passwort bleibt unverändert. Geben Sie den Code an niemanden weiter.")
            .AppendLine()
            .AppendLine(Separator)
            .AppendLine()
            .AppendLine("Hello,")
            .AppendLine()
            .AppendLine("a new password was requested for your KitaLink account. Your reset code:")
            .AppendLine()
            .AppendLine($"    {token}")
            .AppendLine()
            .AppendLine($"Enter the code in the KitaLink app under \"Enter code\" and choose a new password. The code is valid for one hour (until {expiresEn}) and works only once.")
            .AppendLine()
            .AppendLine("Did not ask for a new password? Then simply ignore this email; your password stays unchanged. Do not share the code with anyone.")
            .ToString();

        var html = Html(
            "de",
            subject,
            $"""
            <div lang="de">
            <p>Guten Tag,</p>
            <p>für Ihr KitaLink-Konto wurde ein neues Passwort angefordert. Ihr Code zum Zurücksetzen:</p>
            {CodeBlock(token)}
            <p>Geben Sie den Code in der KitaLink-App unter „Code eingeben“ ein und wählen Sie ein neues Passwort. Der Code gilt eine Stunde (bis <strong>{H(expiresDe)}</strong>) und nur einmal.</p>
            <p>Sie haben kein neues Passwort angefordert? Dann ignorieren Sie diese E-Mail einfach; Ihr Passwort bleibt unverändert. Geben Sie den Code an niemanden weiter.</p>
            </div>
            <hr style="border:none;border-top:1px solid #ccc;margin:32px 0;">
            <div lang="en">
            <p>Hello,</p>
            <p>a new password was requested for your KitaLink account. Your reset code:</p>
            {CodeBlock(token)}
            <p>Enter the code in the KitaLink app under “Enter code” and choose a new password. The code is valid for one hour (until <strong>{H(expiresEn)}</strong>) and works only once.</p>
            <p>Did not ask for a new password? Then simply ignore this email; your password stays unchanged. Do not share the code with anyone.</p>
            </div>
            """);

        return new MailContent(subject, text, html);
    }

    internal static string H(string value) => WebUtility.HtmlEncode(value);

    internal static string PinBlock(string pin) =>
        $"""<p style="font-family:'DejaVu Sans Mono',Consolas,'Courier New',monospace;font-size:32px;font-weight:bold;letter-spacing:4px;margin:0 0 16px 0;padding:12px 16px;border:2px solid #1f4e79;border-radius:6px;display:inline-block;">{H(pin)}</p>""";

    private static string CodeBlock(string code) =>
        $"""<p style="font-family:'DejaVu Sans Mono',Consolas,'Courier New',monospace;font-size:18px;font-weight:bold;word-break:break-all;margin:0 0 16px 0;padding:12px 16px;border:2px solid #1f4e79;border-radius:6px;">{H(code)}</p>""";

    internal static string Html(string language, string title, string body) =>
        $"""
        <!DOCTYPE html>
        <html lang="{language}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{H(title)}</title>
        </head>
        <body style="font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1a1a1a;max-width:640px;margin:0 auto;padding:16px;">
        {body}
        </body>
        </html>
        """;

    /// <summary>Names come from form fields; a line break in one must not break the mail's layout or headers.</summary>
    internal static string OneLine(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value.Trim())
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }
        return builder.ToString();
    }

    internal static string Subject(string subject)
    {
        var clean = OneLine(subject);
        return clean.Length <= MaxSubjectLength ? clean : clean[..(MaxSubjectLength - 1)] + "…";
    }
}
