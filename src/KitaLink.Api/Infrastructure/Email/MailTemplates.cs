using System.Net;
using System.Text;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>What the PIN 2 email says. Holds PIN 2, never PIN 1.</summary>
public sealed record Pin2MailModel(
    string GuardianName,
    string ChildFirstName,
    string FacilityName,
    string Pin2Formatted,
    DateTimeOffset ExpiresAt);

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

    private const string Separator = "------------------------------------------------------------";

    /// <summary>
    /// The PIN 2 mail. The letter carries PIN 1 on paper; this mail carries only PIN 2, so neither the
    /// letter nor the mailbox alone is enough to link the child.
    /// </summary>
    public static MailContent Pin2(Pin2MailModel model)
    {
        var guardian = OneLine(model.GuardianName);
        var child = OneLine(model.ChildFirstName);
        var facility = OneLine(model.FacilityName);
        var pin2 = model.Pin2Formatted;
        var expiresDe = KitaTime.GermanDateTime(model.ExpiresAt);
        var expiresEn = KitaTime.EnglishDateTime(model.ExpiresAt);

        var subject = Subject($"Ihre PIN 2 für die KitaLink-App ({facility}) / Your PIN 2 for the KitaLink app");

        var text = new StringBuilder()
            .AppendLine($"Guten Tag {guardian},")
            .AppendLine()
            .AppendLine($"{facility} hat die KitaLink-App für Sie vorbereitet. Damit Sie {child} mit Ihrem Elternkonto verknüpfen können, erhalten Sie zwei PINs: PIN 1 steht in dem Brief, den Sie von der Kita bekommen, PIN 2 steht in dieser E-Mail.")
            .AppendLine()
            .AppendLine("Ihre PIN 2:")
            .AppendLine()
            .AppendLine($"    {pin2}")
            .AppendLine()
            .AppendLine($"Gültig bis {expiresDe}.")
            .AppendLine()
            .AppendLine("So geht es weiter:")
            .AppendLine("1. Installieren Sie die KitaLink-App.")
            .AppendLine("2. Registrieren Sie sich mit genau dieser E-Mail-Adresse.")
            .AppendLine("3. Geben Sie PIN 1 aus dem Brief der Kita ein.")
            .AppendLine("4. Geben Sie PIN 2 aus dieser E-Mail ein.")
            .AppendLine($"Sie haben schon ein KitaLink-Konto? Dann melden Sie sich an und fügen Sie {child} unter „Kind hinzufügen“ mit PIN 1 und PIN 2 hinzu.")
            .AppendLine()
            .AppendLine("Wichtig: Die Mitarbeitenden der Kita sehen PIN 2 nie. Geben Sie PIN 2 an niemanden weiter, auch nicht am Telefon. Wenn Sie diese E-Mail nicht erwartet haben, wenden Sie sich bitte an die Kita.")
            .AppendLine()
            .AppendLine(Separator)
            .AppendLine()
            .AppendLine($"Hello {guardian},")
            .AppendLine()
            .AppendLine($"{facility} has set up the KitaLink app for you. To link {child} to your parent account you receive two PINs: PIN 1 is in the letter the daycare gives you, PIN 2 is in this email.")
            .AppendLine()
            .AppendLine("Your PIN 2:")
            .AppendLine()
            .AppendLine($"    {pin2}")
            .AppendLine()
            .AppendLine($"Valid until {expiresEn}.")
            .AppendLine()
            .AppendLine("What to do:")
            .AppendLine("1. Install the KitaLink app.")
            .AppendLine("2. Register with exactly this email address.")
            .AppendLine("3. Enter PIN 1 from the daycare's letter.")
            .AppendLine("4. Enter PIN 2 from this email.")
            .AppendLine($"Already have a KitaLink account? Log in and add {child} under \"Add child\" with PIN 1 and PIN 2.")
            .AppendLine()
            .AppendLine("Important: daycare staff never see PIN 2. Do not share PIN 2 with anyone, not even on the phone. If you did not expect this email, please contact the daycare.")
            .ToString();

        var html = Html(
            "de",
            subject,
            $"""
            <div lang="de">
            <p>Guten Tag {H(guardian)},</p>
            <p>{H(facility)} hat die KitaLink-App für Sie vorbereitet. Damit Sie {H(child)} mit Ihrem Elternkonto verknüpfen können, erhalten Sie zwei PINs: PIN&nbsp;1 steht in dem Brief, den Sie von der Kita bekommen, PIN&nbsp;2 steht in dieser E-Mail.</p>
            <p style="margin:24px 0 4px 0;">Ihre PIN&nbsp;2:</p>
            {PinBlock(pin2)}
            <p>Gültig bis <strong>{H(expiresDe)}</strong>.</p>
            <p style="margin-bottom:4px;"><strong>So geht es weiter:</strong></p>
            <ol style="margin-top:0;">
            <li>Installieren Sie die KitaLink-App.</li>
            <li>Registrieren Sie sich mit genau dieser E-Mail-Adresse.</li>
            <li>Geben Sie PIN&nbsp;1 aus dem Brief der Kita ein.</li>
            <li>Geben Sie PIN&nbsp;2 aus dieser E-Mail ein.</li>
            </ol>
            <p>Sie haben schon ein KitaLink-Konto? Dann melden Sie sich an und fügen Sie {H(child)} unter „Kind hinzufügen“ mit PIN&nbsp;1 und PIN&nbsp;2 hinzu.</p>
            <p style="color:#7a2e0e;"><strong>Wichtig:</strong> Die Mitarbeitenden der Kita sehen PIN&nbsp;2 nie. Geben Sie PIN&nbsp;2 an niemanden weiter, auch nicht am Telefon. Wenn Sie diese E-Mail nicht erwartet haben, wenden Sie sich bitte an die Kita.</p>
            </div>
            <hr style="border:none;border-top:1px solid #ccc;margin:32px 0;">
            <div lang="en">
            <p>Hello {H(guardian)},</p>
            <p>{H(facility)} has set up the KitaLink app for you. To link {H(child)} to your parent account you receive two PINs: PIN&nbsp;1 is in the letter the daycare gives you, PIN&nbsp;2 is in this email.</p>
            <p style="margin:24px 0 4px 0;">Your PIN&nbsp;2:</p>
            {PinBlock(pin2)}
            <p>Valid until <strong>{H(expiresEn)}</strong>.</p>
            <p style="margin-bottom:4px;"><strong>What to do:</strong></p>
            <ol style="margin-top:0;">
            <li>Install the KitaLink app.</li>
            <li>Register with exactly this email address.</li>
            <li>Enter PIN&nbsp;1 from the daycare's letter.</li>
            <li>Enter PIN&nbsp;2 from this email.</li>
            </ol>
            <p>Already have a KitaLink account? Log in and add {H(child)} under “Add child” with PIN&nbsp;1 and PIN&nbsp;2.</p>
            <p style="color:#7a2e0e;"><strong>Important:</strong> daycare staff never see PIN&nbsp;2. Do not share PIN&nbsp;2 with anyone, not even on the phone. If you did not expect this email, please contact the daycare.</p>
            </div>
            """);

        return new MailContent(subject, text, html);
    }

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

    private static string H(string value) => WebUtility.HtmlEncode(value);

    private static string PinBlock(string pin) =>
        $"""<p style="font-family:'DejaVu Sans Mono',Consolas,'Courier New',monospace;font-size:32px;font-weight:bold;letter-spacing:4px;margin:0 0 16px 0;padding:12px 16px;border:2px solid #1f4e79;border-radius:6px;display:inline-block;">{H(pin)}</p>""";

    private static string CodeBlock(string code) =>
        $"""<p style="font-family:'DejaVu Sans Mono',Consolas,'Courier New',monospace;font-size:18px;font-weight:bold;word-break:break-all;margin:0 0 16px 0;padding:12px 16px;border:2px solid #1f4e79;border-radius:6px;">{H(code)}</p>""";

    private static string Html(string language, string title, string body) =>
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
    private static string OneLine(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value.Trim())
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }
        return builder.ToString();
    }

    private static string Subject(string subject)
    {
        var clean = OneLine(subject);
        return clean.Length <= MaxSubjectLength ? clean : clean[..(MaxSubjectLength - 1)] + "…";
    }
}
