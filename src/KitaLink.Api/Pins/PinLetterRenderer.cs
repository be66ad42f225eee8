using KitaLink.Api.Facilities;
using KitaLink.Api.Infrastructure.Pdf;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;

namespace KitaLink.Api.Pins;

/// <summary>Everything printed on the PIN 1 letter. <c>RegistrationLink</c> carries PIN 1 only.</summary>
public sealed record PinLetterModel(
    string FacilityName,
    string ChildName,
    string GuardianName,
    string Pin1Formatted,
    DateTimeOffset ExpiresAt,
    string Pin2Email,
    DateTimeOffset IssuedAt,
    string RegistrationLink,
    FacilityContact Contact,
    string? Language = null);

/// <summary>
/// Renders the A4 PIN 1 letter as PDF: facility letterhead, guardian and child, PIN 1 in large mono type
/// beside a QR code of the registration link (PIN 1 only), its expiry, the address PIN 2 was mailed to (so
/// staff and parent can spot a typo on paper), the steps in the app, the facility's contact and room for a
/// stamp or signature. In the family's language with German beside it (<see cref="FamilyLanguages"/>).
/// Thread-safe; registered as a singleton.
/// </summary>
public sealed class PinLetterRenderer : IDisposable
{
    // A letter is a few milliseconds of CPU and a few megabytes of transient memory (fonts, subsetting).
    // More renders at once than cores only add memory and waiting threads, not letters per second.
    private readonly SemaphoreSlim _gate = new(Environment.ProcessorCount, Environment.ProcessorCount);

    public PinLetterRenderer() => LetterFonts.EnsureRegistered();

    /// <summary>Renders with at most one letter per core at a time; the others wait asynchronously.</summary>
    public async Task<byte[]> RenderAsync(PinLetterModel model, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return Render(model);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Renders many letters, one per page, into <paramref name="output"/>. Pages are drawn one at a time and
    /// each page's drawing state is released before the next; the fonts are embedded once for all pages.
    /// Takes one of the render slots for the whole batch.
    /// </summary>
    public async Task RenderBatchAsync(IEnumerable<PinLetterModel> letters, Stream output, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var document = NewDocument(FamilyLanguages.Texts(FamilyLanguages.German).DocumentTitle);
            foreach (var letter in letters)
            {
                cancellationToken.ThrowIfCancellationRequested();
                DrawLetter(document, letter);
            }
            document.Save(output, closeStream: false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    public byte[] Render(PinLetterModel model)
    {
        var languages = FamilyLanguages.LetterLanguagesFor(model.Language);
        using var document = NewDocument(FamilyLanguages.Texts(languages[0]).DocumentTitle);
        DrawLetter(document, model);
        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return stream.ToArray();
    }

    private static PdfDocument NewDocument(string title)
    {
        LetterFonts.EnsureRegistered();
        var document = new PdfDocument();
        document.Info.Title = title;
        document.Info.Creator = "KitaLink";
        document.Options.CompressContentStreams = true;
        return document;
    }

    private static void DrawLetter(PdfDocument document, PinLetterModel model)
    {
        var texts = FamilyLanguages.LetterLanguagesFor(model.Language).Select(FamilyLanguages.Texts).ToList();
        using var layout = new LetterLayout(document, model.FacilityName, bilingual: texts.Count > 1);
        layout.Draw(model, texts);
    }

    /// <summary>The dark modules of the QR code of <paramref name="link"/>, quiet zone included.</summary>
    internal static bool[,] QrModules(string link)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(link, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix;
        var size = matrix.Count;
        var modules = new bool[size, size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                modules[y, x] = matrix[y][x];
            }
        }
        return modules;
    }
}

/// <summary>
/// Draws top to bottom with simple word wrapping, keeping track of the vertical position. Realistic
/// letters fit one page; should extreme names not, the letter continues on a second page rather than
/// printing over the footer or off the paper.
/// </summary>
internal sealed class LetterLayout : IDisposable
{
    private const double Margin = 56; // about 20 mm, fits window envelopes' side margins
    private const double Top = 44;
    private const double FooterSpace = 48;
    private const int MaxLetterheadLines = 3;
    private static readonly XColor s_accent = XColor.FromArgb(0x1F, 0x4E, 0x79);
    private static readonly XColor s_muted = XColor.FromArgb(0x5A, 0x5A, 0x5A);
    private static readonly XColor s_panel = XColor.FromArgb(0xEE, 0xF3, 0xF8);
    private static readonly XColor s_notice = XColor.FromArgb(0xFD, 0xF3, 0xE7);

    private readonly PdfDocument _document;
    private readonly string _footer;
    private readonly bool _bilingual;
    private readonly XFont _letterhead;
    private readonly XFont _title;
    private readonly XFont _subtitle;
    private readonly XFont _body;
    private readonly XFont _bodyBold;
    private readonly XFont _small;
    private readonly XFont _pin;
    private XGraphics _gfx;
    private double _pageHeight;
    private double _left;
    private double _width;
    private double _y;

    public LetterLayout(PdfDocument document, string facilityName, bool bilingual)
    {
        _document = document;
        _footer = $"KitaLink · {facilityName}";
        _bilingual = bilingual;
        var unicode = new XPdfFontOptions(PdfFontEncoding.Unicode);
        // Two languages side by side need a smaller body size to keep the letter on one page.
        var bodySize = bilingual ? 8 : 10;
        _letterhead = new XFont(LetterFonts.Sans, bilingual ? 15 : 17, XFontStyleEx.Bold, unicode);
        _title = new XFont(LetterFonts.Sans, bilingual ? 13 : 15, XFontStyleEx.Bold, unicode);
        _subtitle = new XFont(LetterFonts.Sans, 10, XFontStyleEx.Bold, unicode);
        _body = new XFont(LetterFonts.Sans, bodySize, XFontStyleEx.Regular, unicode);
        _bodyBold = new XFont(LetterFonts.Sans, bodySize, XFontStyleEx.Bold, unicode);
        _small = new XFont(LetterFonts.Sans, bilingual ? 7.5 : 8.5, XFontStyleEx.Regular, unicode);
        _pin = new XFont(LetterFonts.Mono, bilingual ? 26 : 30, XFontStyleEx.Bold, unicode);
        _gfx = NewPage();
    }

    private double Bottom => _pageHeight - FooterSpace;
    private double Gap => _bilingual ? 4 : 10;
    private double LineGap => _bilingual ? 1.15 : 1.25;

    public void Draw(PinLetterModel model, IReadOnlyList<FamilyTexts> texts)
    {
        var values = texts.Select(t => new Dictionary<string, string>
        {
            ["child"] = model.ChildName,
            ["date"] = t.Date(model.IssuedAt),
            ["expires"] = t.DateTime(model.ExpiresAt),
        }).ToList();
        List<string> Each(Func<FamilyTexts, string> text) =>
            texts.Select((t, i) => FamilyTexts.Fill(text(t), values[i])).ToList();

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
        _y += 10;
        _gfx.DrawString(string.Join(" · ", Each(t => t.Issued)), _small, new XSolidBrush(s_muted),
            new XRect(_left, _y, _width, _small.Height), XStringFormats.TopRight);
        _y += _small.Height + (_bilingual ? 6 : 12);

        Paragraph(texts[0].Title, _title, s_accent);
        if (_bilingual)
        {
            _y += 2;
            Paragraph(texts[1].Title, _subtitle, s_muted);
        }
        _y += 6;
        LabelledLine(string.Join(" / ", texts.Select(t => t.ForLabel)), model.GuardianName);
        LabelledLine(string.Join(" / ", texts.Select(t => t.ChildLabel)), model.ChildName);
        _y += Gap;
        Columns(Each(t => t.Intro), _body, XColors.Black);
        _y += Gap + (_bilingual ? 0 : 2);

        PinPanel(texts[0].Pin1Label, model.Pin1Formatted, Each(t => t.ValidUntil), model.RegistrationLink);
        _y += 4;
        Columns(Each(t => t.QrHint), _small, s_muted);
        _y += Gap + (_bilingual ? 0 : 2);

        Columns(Each(t => t.Pin2SentTo), _body, XColors.Black);
        _y += 2;
        Paragraph(model.Pin2Email, _bodyBold, XColors.Black, indent: 14);
        _y += 3;
        Columns(Each(t => t.WrongAddress), _body, s_muted);
        _y += Gap + (_bilingual ? 0 : 2);

        Columns(Each(t => t.StepsTitle), _bodyBold, s_accent);
        _y += 3;
        Steps(texts.Select((t, i) => t.Steps.Select(step => FamilyTexts.Fill(step, values[i])).ToList()).ToList());
        _y += Gap - 2;
        Columns(Each(t => t.ExistingAccount), _body, XColors.Black);
        _y += Gap + (_bilingual ? 0 : 2);

        NoticePanel(Each(t => t.Safety));
        _y += Gap + (_bilingual ? 0 : 2);
        ContactPanel(model, string.Join(" / ", texts.Select(t => t.AskKita)), texts.Select(t => t.Signature).ToList());
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
            new XRect(_left, _pageHeight - 32, _width, _small.Height), XStringFormats.TopCenter);
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
        var labelWidth = _bilingual ? 96 : 52;
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

    /// <summary>PIN 1 with its expiry on the left, the QR code of the registration link (PIN 1 only) on the right.</summary>
    private void PinPanel(string label, string pin, IReadOnlyList<string> validUntil, string registrationLink)
    {
        var padding = _bilingual ? 8 : 12;
        var qrSize = _bilingual ? 88 : 104;
        var textHeight = padding + _bodyBold.Height + 6 + _pin.Height + 6 + (validUntil.Count * _body.Height * LineGap) + padding;
        var height = Math.Max(textHeight, qrSize + (2 * padding));
        EnsureSpace(height);
        var box = new XRect(_left, _y, _width, height);
        _gfx.DrawRoundedRectangle(new XPen(s_accent, 1.5), new XSolidBrush(s_panel), box, new XSize(10, 10));
        var textWidth = _width - qrSize - (2 * padding);
        var y = _y + ((height - textHeight) / 2) + padding;
        _gfx.DrawString(label, _bodyBold, new XSolidBrush(s_accent), new XRect(_left, y, textWidth, _bodyBold.Height), XStringFormats.TopCenter);
        y += _bodyBold.Height + 6;
        _gfx.DrawString(pin, _pin, XBrushes.Black, new XRect(_left, y, textWidth, _pin.Height), XStringFormats.TopCenter);
        y += _pin.Height + 6;
        foreach (var line in validUntil)
        {
            _gfx.DrawString(FitOnOneLine(line, _body, textWidth), _body, XBrushes.Black, new XRect(_left, y, textWidth, _body.Height), XStringFormats.TopCenter);
            y += _body.Height * LineGap;
        }
        QrCode(registrationLink, _left + _width - padding - qrSize, _y + ((height - qrSize) / 2), qrSize);
        _y += height;
    }

    /// <summary>
    /// The QR code as vector squares on white (its quiet zone included), one rectangle per horizontal run of
    /// dark modules: sharp at any print resolution and a few hundred bytes of page content.
    /// </summary>
    private void QrCode(string link, double x, double y, double size)
    {
        var modules = PinLetterRenderer.QrModules(link);
        var count = modules.GetLength(0);
        var module = size / count;
        _gfx.DrawRectangle(XBrushes.White, x, y, size, size);
        for (var row = 0; row < count; row++)
        {
            var column = 0;
            while (column < count)
            {
                if (!modules[row, column])
                {
                    column++;
                    continue;
                }
                var start = column;
                while (column < count && modules[row, column])
                {
                    column++;
                }
                // A hair of overlap, so no light seams appear between neighbouring rows when rasterised.
                _gfx.DrawRectangle(XBrushes.Black, x + (start * module), y + (row * module), (column - start) * module + 0.05, module + 0.05);
            }
        }
    }

    private void NoticePanel(IReadOnlyList<string> notices)
    {
        const double padding = 8;
        var columns = ColumnLines(notices.Select(n => new List<(string? Prefix, string Text)> { (null, n) }).ToList(), _body, padding);
        var lineHeight = _body.Height * LineGap;
        var height = (2 * padding) + (columns.Max(c => c.Count) * lineHeight) - (lineHeight - _body.Height);
        EnsureSpace(height);
        _gfx.DrawRoundedRectangle(new XSolidBrush(s_notice), new XRect(_left, _y, _width, height), new XSize(8, 8));
        DrawColumns(columns, _body, _body, XColors.Black, _y + padding, lineHeight, padding);
        _y += height;
    }

    /// <summary>"Ask your Kita" with the facility's contact on the left, an empty field for a stamp or signature on the right.</summary>
    private void ContactPanel(PinLetterModel model, string askKita, IReadOnlyList<string> signatures)
    {
        var contact = new List<string>();
        if (model.Contact.Address is { } address)
        {
            contact.AddRange(address.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        if (model.Contact.Phone is { } phone)
        {
            contact.Add("☎ " + phone);
        }
        if (model.Contact.Email is { } email)
        {
            contact.Add("✉ " + email);
        }
        const double stampWidth = 170;
        var leftWidth = _width - stampWidth - 16;
        var lineHeight = _body.Height * LineGap;
        var askLines = Wrap(askKita, _bodyBold, leftWidth);
        var nameLines = Wrap(model.FacilityName, _body, leftWidth);
        var contactLines = contact.SelectMany(c => Wrap(c, _body, leftWidth)).ToList();
        var textHeight = (askLines.Count + nameLines.Count + contactLines.Count) * lineHeight;
        var height = Math.Max(textHeight, _bilingual ? 56 : 70);
        var labelHeight = signatures.Count * _small.Height * 1.15;
        EnsureSpace(height + labelHeight + 4);
        var y = _y;
        foreach (var line in askLines)
        {
            _gfx.DrawString(line, _bodyBold, new XSolidBrush(s_accent), new XRect(_left, y, leftWidth, _bodyBold.Height), XStringFormats.TopLeft);
            y += lineHeight;
        }
        foreach (var line in nameLines.Concat(contactLines))
        {
            _gfx.DrawString(line, _body, XBrushes.Black, new XRect(_left, y, leftWidth, _body.Height), XStringFormats.TopLeft);
            y += lineHeight;
        }
        var stamp = new XRect(_left + _width - stampWidth, _y, stampWidth, height);
        _gfx.DrawRectangle(new XPen(s_muted, 0.6) { DashStyle = XDashStyle.Dash }, stamp);
        var labelY = stamp.Bottom + 3;
        foreach (var signature in signatures)
        {
            _gfx.DrawString(FitOnOneLine(signature, _small, stampWidth), _small, new XSolidBrush(s_muted),
                new XRect(stamp.Left, labelY, stampWidth, _small.Height), XStringFormats.TopCenter);
            labelY += _small.Height * 1.15;
        }
        _y += Math.Max(height, y - _y) + labelHeight + 4;
    }

    /// <summary>The numbered steps, each language in its column.</summary>
    private void Steps(IReadOnlyList<List<string>> stepsPerLanguage)
    {
        var lineHeight = _body.Height * LineGap;
        var columns = ColumnLines(stepsPerLanguage.Select(steps => steps.Select((s, i) => ((string?)$"{i + 1}.", s)).ToList()).ToList(), _body, 0);
        var height = columns.Max(c => c.Count) * lineHeight;
        EnsureSpace(height);
        DrawColumns(columns, _bodyBold, _body, XColors.Black, _y, lineHeight, 0);
        _y += height;
    }

    /// <summary>One text per language side by side (or one across the page), starting at the same height.</summary>
    private void Columns(IReadOnlyList<string> texts, XFont font, XColor color)
    {
        var lineHeight = font.Height * LineGap;
        var columns = ColumnLines(texts.Select(t => new List<(string? Prefix, string Text)> { (null, t) }).ToList(), font, 0);
        var height = (columns.Max(c => c.Count) * lineHeight) - (lineHeight - font.Height);
        EnsureSpace(height);
        DrawColumns(columns, font, font, color, _y, lineHeight, 0);
        _y += height;
    }

    private double ColumnWidth(int count, double inset) => (_width - (2 * inset) - ((count - 1) * ColumnGap)) / count;

    private const double ColumnGap = 16;
    private const double PrefixWidth = 14;

    /// <summary>Wrapped lines per column; an item with a prefix (a step number) is indented after it.</summary>
    private List<List<(string? Prefix, string Line)>> ColumnLines(IReadOnlyList<List<(string? Prefix, string Text)>> columns, XFont font, double inset)
    {
        var width = ColumnWidth(columns.Count, inset);
        return columns.Select(items => items.SelectMany(item =>
            Wrap(item.Text, font, width - (item.Prefix is null ? 0 : PrefixWidth))
                .Select((line, i) => (i == 0 ? item.Prefix : null, line))).ToList()).ToList();
    }

    private void DrawColumns(List<List<(string? Prefix, string Line)>> columns, XFont prefixFont, XFont font, XColor color, double top, double lineHeight, double inset)
    {
        var brush = new XSolidBrush(color);
        var width = ColumnWidth(columns.Count, inset);
        for (var c = 0; c < columns.Count; c++)
        {
            var x = _left + inset + (c * (width + ColumnGap));
            var y = top;
            var indented = columns[c].Any(l => l.Prefix is not null);
            foreach (var (prefix, line) in columns[c])
            {
                if (prefix is not null)
                {
                    _gfx.DrawString(prefix, prefixFont, new XSolidBrush(s_accent), new XRect(x, y, PrefixWidth, font.Height), XStringFormats.TopLeft);
                }
                var indent = indented ? PrefixWidth : 0;
                _gfx.DrawString(line, font, brush, new XRect(x + indent, y, width - indent, font.Height), XStringFormats.TopLeft);
                y += lineHeight;
            }
        }
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
