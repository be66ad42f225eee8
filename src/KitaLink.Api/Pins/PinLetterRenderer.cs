using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Pdf;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace KitaLink.Api.Pins;

public enum LetterLanguage
{
    German,
    English,
}

/// <summary>Everything printed on the PIN 1 letter.</summary>
public sealed record PinLetterModel(
    string FacilityName,
    string ChildName,
    string GuardianName,
    string Pin1Formatted,
    DateTimeOffset ExpiresAt,
    string Pin2Email,
    DateTimeOffset IssuedAt);

/// <summary>
/// Renders the A4 PIN 1 letter as PDF: facility letterhead, guardian and child, PIN 1 in large mono
/// type, its expiry, the address PIN 2 was mailed to (so staff and parent can spot a typo on paper),
/// and the steps in the app. Thread-safe; registered as a singleton.
/// </summary>
public sealed class PinLetterRenderer : IDisposable
{
    // A letter is a few milliseconds of CPU and a few megabytes of transient memory (fonts, subsetting).
    // More renders at once than cores only add memory and waiting threads, not letters per second.
    private readonly SemaphoreSlim _gate = new(Environment.ProcessorCount, Environment.ProcessorCount);

    public PinLetterRenderer() => LetterFonts.EnsureRegistered();

    /// <summary>Renders with at most one letter per core at a time; the others wait asynchronously.</summary>
    public async Task<byte[]> RenderAsync(PinLetterModel model, LetterLanguage language, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return Render(model, language);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    public byte[] Render(PinLetterModel model, LetterLanguage language)
    {
        LetterFonts.EnsureRegistered();
        var text = language == LetterLanguage.English ? LetterText.English(model) : LetterText.German(model);

        using var document = new PdfDocument();
        document.Info.Title = text.DocumentTitle;
        document.Info.Creator = "KitaLink";
        document.Options.CompressContentStreams = true;

        using (var layout = new LetterLayout(document, model.FacilityName))
        {
            layout.Draw(model, text);
        }

        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return stream.ToArray();
    }
}

/// <summary>The words of the letter in one language. PIN 1 is printed; PIN 2 never is.</summary>
internal sealed record LetterText(
    string DocumentTitle,
    string IssuedLabel,
    string Title,
    string ForLabel,
    string ChildLabel,
    string Intro,
    string Pin1Label,
    string ValidUntil,
    string Pin2SentTo,
    string WrongAddress,
    string StepsTitle,
    string[] Steps,
    string ExistingAccount,
    string Safety)
{
    public static LetterText German(PinLetterModel m) => new(
        DocumentTitle: "KitaLink – Ihr PIN-Brief",
        IssuedLabel: $"Ausgestellt am {KitaTime.GermanDate(m.IssuedAt)}",
        Title: "Ihre Zugangsdaten für die KitaLink-App",
        ForLabel: "Für",
        ChildLabel: "Kind",
        Intro: $"Mit der KitaLink-App erhalten Sie die Informationen der Kita zu Ihrem Kind. Um {m.ChildName} mit Ihrem Elternkonto zu verknüpfen, brauchen Sie zwei PINs: PIN 1 steht auf diesem Brief, PIN 2 haben wir Ihnen per E-Mail geschickt. Erst beide zusammen öffnen den Zugang.",
        Pin1Label: "PIN 1",
        ValidUntil: $"gültig bis {KitaTime.GermanDateTime(m.ExpiresAt)}",
        Pin2SentTo: "PIN 2 wurde per E-Mail gesendet an:",
        WrongAddress: "Stimmt diese Adresse nicht, oder ist keine E-Mail angekommen (bitte auch im Spam-Ordner nachsehen)? Dann wenden Sie sich bitte an die Kita.",
        StepsTitle: "So verknüpfen Sie Ihr Kind in der App",
        Steps:
        [
            "Installieren Sie die KitaLink-App auf Ihrem Smartphone.",
            "Tippen Sie auf „Registrieren“ und geben Sie genau die oben genannte E-Mail-Adresse ein.",
            "Geben Sie PIN 1 von diesem Brief ein.",
            "Geben Sie PIN 2 aus der E-Mail ein.",
            $"Wählen Sie ein Passwort. Fertig: {m.ChildName} ist mit Ihrem Konto verknüpft.",
        ],
        ExistingAccount: "Sie haben schon ein KitaLink-Konto, zum Beispiel für ein Geschwisterkind? Dann melden Sie sich an, wählen „Kind hinzufügen“ und geben dort PIN 1 und PIN 2 ein.",
        Safety: "Bitte bewahren Sie diesen Brief sicher auf und geben Sie die PINs an niemanden weiter. Sie gelten nur für Sie und nur einmal. Die Mitarbeitenden der Kita sehen PIN 2 nicht.");

    public static LetterText English(PinLetterModel m) => new(
        DocumentTitle: "KitaLink – your PIN letter",
        IssuedLabel: $"Issued on {KitaTime.EnglishDate(m.IssuedAt)}",
        Title: "Your access to the KitaLink app",
        ForLabel: "For",
        ChildLabel: "Child",
        Intro: $"The KitaLink app gives you the daycare's information about your child. To link {m.ChildName} to your parent account you need two PINs: PIN 1 is on this letter, PIN 2 was sent to you by email. Only both together give access.",
        Pin1Label: "PIN 1",
        ValidUntil: $"valid until {KitaTime.EnglishDateTime(m.ExpiresAt)}",
        Pin2SentTo: "PIN 2 was sent by email to:",
        WrongAddress: "Is this address wrong, or did no email arrive (please check your spam folder too)? Then please contact the daycare.",
        StepsTitle: "How to link your child in the app",
        Steps:
        [
            "Install the KitaLink app on your smartphone.",
            "Tap \"Register\" and enter exactly the email address shown above.",
            "Enter PIN 1 from this letter.",
            "Enter PIN 2 from the email.",
            $"Choose a password. Done: {m.ChildName} is linked to your account.",
        ],
        ExistingAccount: "Already have a KitaLink account, for example for a sibling? Then log in, choose \"Add child\" and enter PIN 1 and PIN 2 there.",
        Safety: "Please keep this letter safe and do not share the PINs with anyone. They are for you only and work only once. Daycare staff cannot see PIN 2.");
}

/// <summary>
/// Draws top to bottom with simple word wrapping, keeping track of the vertical position. Realistic
/// letters fit one page; should extreme names not, the letter continues on a second page rather than
/// printing over the footer or off the paper.
/// </summary>
internal sealed class LetterLayout : IDisposable
{
    private const double Margin = 62; // about 22 mm, fits window envelopes' side margins
    private const double Top = 56;
    private const double FooterSpace = 64;
    private const int MaxLetterheadLines = 3;
    private static readonly XColor s_accent = XColor.FromArgb(0x1F, 0x4E, 0x79);
    private static readonly XColor s_muted = XColor.FromArgb(0x5A, 0x5A, 0x5A);
    private static readonly XColor s_panel = XColor.FromArgb(0xEE, 0xF3, 0xF8);
    private static readonly XColor s_notice = XColor.FromArgb(0xFD, 0xF3, 0xE7);

    private readonly PdfDocument _document;
    private readonly string _footer;
    private readonly XFont _letterhead;
    private readonly XFont _title;
    private readonly XFont _body;
    private readonly XFont _bodyBold;
    private readonly XFont _small;
    private readonly XFont _pin;
    private XGraphics _gfx;
    private double _pageHeight;
    private double _left;
    private double _width;
    private double _y;

    public LetterLayout(PdfDocument document, string facilityName)
    {
        _document = document;
        _footer = $"KitaLink · {facilityName}";
        var unicode = new XPdfFontOptions(PdfFontEncoding.Unicode);
        _letterhead = new XFont(LetterFonts.Sans, 17, XFontStyleEx.Bold, unicode);
        _title = new XFont(LetterFonts.Sans, 15, XFontStyleEx.Bold, unicode);
        _body = new XFont(LetterFonts.Sans, 10.5, XFontStyleEx.Regular, unicode);
        _bodyBold = new XFont(LetterFonts.Sans, 10.5, XFontStyleEx.Bold, unicode);
        _small = new XFont(LetterFonts.Sans, 8.5, XFontStyleEx.Regular, unicode);
        _pin = new XFont(LetterFonts.Mono, 34, XFontStyleEx.Bold, unicode);
        _gfx = NewPage();
    }

    private double Bottom => _pageHeight - FooterSpace;

    public void Draw(PinLetterModel model, LetterText text)
    {
        // Letterhead: the facility (at most three lines), a rule, the issue date.
        var letterhead = Wrap(model.FacilityName, _letterhead, _width);
        if (letterhead.Count > MaxLetterheadLines)
        {
            letterhead = letterhead[..MaxLetterheadLines];
            letterhead[^1] = FitOnOneLine(letterhead[^1] + " …", _letterhead, _width);
        }
        Lines(letterhead, _letterhead, s_accent, indent: 0, lineGap: 1.15);
        _y += 4;
        _gfx.DrawLine(new XPen(s_accent, 1.2), _left, _y, _left + _width, _y);
        _y += 14;
        _gfx.DrawString(text.IssuedLabel, _small, new XSolidBrush(s_muted), new XRect(_left, _y, _width, _small.Height), XStringFormats.TopRight);
        _y += _small.Height + 18;

        Paragraph(text.Title, _title, s_accent);
        _y += 8;
        LabelledLine(text.ForLabel, model.GuardianName);
        LabelledLine(text.ChildLabel, model.ChildName);
        _y += 10;
        Paragraph(text.Intro, _body, XColors.Black);
        _y += 14;

        PinPanel(text.Pin1Label, model.Pin1Formatted, text.ValidUntil);
        _y += 16;

        Paragraph(text.Pin2SentTo, _body, XColors.Black);
        _y += 2;
        Paragraph(model.Pin2Email, _bodyBold, XColors.Black, indent: 14);
        _y += 4;
        Paragraph(text.WrongAddress, _body, s_muted);
        _y += 16;

        Paragraph(text.StepsTitle, _bodyBold, s_accent);
        _y += 4;
        for (var i = 0; i < text.Steps.Length; i++)
        {
            NumberedStep(i + 1, text.Steps[i]);
            _y += 3;
        }
        _y += 6;
        Paragraph(text.ExistingAccount, _body, XColors.Black);
        _y += 16;

        NoticePanel(text.Safety);
    }

    public void Dispose() => _gfx.Dispose();

    private XGraphics NewPage()
    {
        var page = _document.AddPage();
        page.Size = PageSize.A4;
        var gfx = XGraphics.FromPdfPage(page);
        _pageHeight = page.Height.Point;
        _left = Margin;
        _width = page.Width.Point - (2 * Margin);
        _y = Top;
        gfx.DrawString(FitOnOneLine(_footer, _small, _width, gfx), _small, new XSolidBrush(s_muted),
            new XRect(_left, _pageHeight - 40, _width, _small.Height), XStringFormats.TopCenter);
        return gfx;
    }

    /// <summary>Starts a new page when <paramref name="height"/> no longer fits above the footer.</summary>
    private void EnsureSpace(double height)
    {
        if (_y + height <= Bottom || _y <= Top)
        {
            return;
        }
        _gfx.Dispose();
        _gfx = NewPage();
    }

    private void LabelledLine(string label, string value)
    {
        const double labelWidth = 52;
        var lineHeight = _bodyBold.Height * 1.3;
        var lines = Wrap(value, _bodyBold, _width - labelWidth);
        for (var i = 0; i < lines.Count; i++)
        {
            EnsureSpace(_bodyBold.Height);
            if (i == 0)
            {
                _gfx.DrawString(label + ":", _body, XBrushes.Black, new XRect(_left, _y, labelWidth, _body.Height), XStringFormats.TopLeft);
            }
            _gfx.DrawString(lines[i], _bodyBold, XBrushes.Black, new XRect(_left + labelWidth, _y, _width - labelWidth, _bodyBold.Height), XStringFormats.TopLeft);
            _y += lineHeight;
        }
    }

    private void PinPanel(string label, string pin, string validUntil)
    {
        const double padding = 14;
        var height = padding + _body.Height + 8 + _pin.Height + 8 + _body.Height + padding;
        EnsureSpace(height);
        var box = new XRect(_left, _y, _width, height);
        _gfx.DrawRoundedRectangle(new XPen(s_accent, 1.5), new XSolidBrush(s_panel), box, new XSize(10, 10));
        var y = _y + padding;
        _gfx.DrawString(label, _bodyBold, new XSolidBrush(s_accent), new XRect(_left, y, _width, _body.Height), XStringFormats.TopCenter);
        y += _body.Height + 8;
        _gfx.DrawString(pin, _pin, XBrushes.Black, new XRect(_left, y, _width, _pin.Height), XStringFormats.TopCenter);
        y += _pin.Height + 8;
        _gfx.DrawString(validUntil, _body, XBrushes.Black, new XRect(_left, y, _width, _body.Height), XStringFormats.TopCenter);
        _y += height;
    }

    private void NoticePanel(string notice)
    {
        const double padding = 10;
        var lines = Wrap(notice, _body, _width - (2 * padding));
        var lineHeight = _body.Height * 1.3;
        var height = (2 * padding) + (lines.Count * lineHeight) - (lineHeight - _body.Height);
        EnsureSpace(height);
        _gfx.DrawRoundedRectangle(new XSolidBrush(s_notice), new XRect(_left, _y, _width, height), new XSize(8, 8));
        var y = _y + padding;
        foreach (var line in lines)
        {
            _gfx.DrawString(line, _body, XBrushes.Black, new XRect(_left + padding, y, _width - (2 * padding), _body.Height), XStringFormats.TopLeft);
            y += lineHeight;
        }
        _y += height;
    }

    private void NumberedStep(int number, string step)
    {
        const double indent = 20;
        EnsureSpace(_body.Height);
        _gfx.DrawString($"{number}.", _bodyBold, new XSolidBrush(s_accent), new XRect(_left, _y, indent, _body.Height), XStringFormats.TopLeft);
        Paragraph(step, _body, XColors.Black, indent: indent);
    }

    private void Paragraph(string text, XFont font, XColor color, double indent = 0, double lineGap = 1.3) =>
        Lines(Wrap(text, font, _width - indent), font, color, indent, lineGap);

    private void Lines(List<string> lines, XFont font, XColor color, double indent, double lineGap)
    {
        var brush = new XSolidBrush(color);
        var width = _width - indent;
        foreach (var line in lines)
        {
            EnsureSpace(font.Height);
            _gfx.DrawString(line, font, brush, new XRect(_left + indent, _y, width, font.Height), XStringFormats.TopLeft);
            _y += font.Height * lineGap;
        }
        _y -= font.Height * (lineGap - 1);
    }

    /// <summary>
    /// Greedy word wrap; a word wider than the line (a long email address) is split by characters.
    /// "PIN 1" and "PIN 2" never break apart.
    /// </summary>
    private List<string> Wrap(string text, XFont font, double width)
    {
        var lines = new List<string>();
        var current = "";
        foreach (var token in text.Replace("PIN ", "PIN\u00A0", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var word = token.Replace('\u00A0', ' ');
            var candidate = current.Length == 0 ? word : current + " " + word;
            if (Measure(candidate, font) <= width)
            {
                current = candidate;
                continue;
            }
            if (current.Length > 0)
            {
                lines.Add(current);
            }
            current = word;
            while (Measure(current, font) > width && current.Length > 1)
            {
                var fit = current.Length - 1;
                while (fit > 1 && Measure(current[..fit], font) > width)
                {
                    fit--;
                }
                lines.Add(current[..fit]);
                current = current[fit..];
            }
        }
        if (current.Length > 0 || lines.Count == 0)
        {
            lines.Add(current);
        }
        return lines;
    }

    private string FitOnOneLine(string text, XFont font, double width, XGraphics? gfx = null)
    {
        gfx ??= _gfx;
        if (gfx.MeasureString(text, font).Width <= width)
        {
            return text;
        }
        var length = text.Length;
        while (length > 1 && gfx.MeasureString(text[..length] + "…", font).Width > width)
        {
            length--;
        }
        return text[..length].TrimEnd() + "…";
    }

    private double Measure(string text, XFont font) => _gfx.MeasureString(text, font).Width;
}
