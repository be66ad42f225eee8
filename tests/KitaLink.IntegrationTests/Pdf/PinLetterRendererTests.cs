using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Pins;
using UglyToad.PdfPig;

namespace KitaLink.IntegrationTests.Pdf;

/// <summary>The PIN 1 letter, read back from the PDF as a parent's PDF viewer (or a screen reader) would.</summary>
public sealed class PinLetterRendererTests
{
    private static readonly PinLetterRenderer s_renderer = new();

    // 13:35 UTC on 8 December is 14:35 in Berlin.
    private static readonly PinLetterModel s_model = new(
        FacilityName: "Kita Sonnenschein Müllerstraße",
        ChildName: "Mia Schneider",
        GuardianName: "Julia Schneider",
        Pin1Formatted: "K7QM-R4TZ",
        ExpiresAt: new DateTimeOffset(2026, 12, 8, 13, 35, 0, TimeSpan.Zero),
        Pin2Email: "julia.schneider@exmaple.com",
        IssuedAt: new DateTimeOffset(2026, 11, 24, 13, 35, 0, TimeSpan.Zero),
        RegistrationLink: "https://app.kitalink.example/register?pin1=K7QM-R4TZ",
        Contact: new KitaLink.Api.Facilities.FacilityContact("Müllerstraße 12\n13353 Berlin", "+49 30 1234567", "kita@sonnenschein.example"));

    private static (string Text, double Width, double Height, int Pages) Read(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        var page = document.GetPage(1);
        return (string.Join(' ', page.GetWords().Select(w => w.Text)), page.Width, page.Height, document.NumberOfPages);
    }

    [Fact]
    public void GermanLetter_PrintsPin1_Expiry_Pin2Address_FacilityChildAndGuardian()
    {
        var (text, _, _, pages) = Read(s_renderer.Render(s_model));

        Assert.Equal(1, pages);
        Assert.Contains("K7QM-R4TZ", text);
        Assert.Contains("08.12.2026, 14:35 Uhr", text);
        Assert.Contains("julia.schneider@exmaple.com", text);
        Assert.Contains("Kita Sonnenschein Müllerstraße", text);
        Assert.Contains("Mia Schneider", text);
        Assert.Contains("Julia Schneider", text);
        Assert.Contains("Ausgestellt am 24.11.2026", text);
        Assert.Contains("PIN 2 wurde per E-Mail gesendet an:", text);
        Assert.Contains("Installieren Sie die KitaLink-App", text);
        Assert.Contains("Geben Sie PIN 1 von diesem Brief ein.", text);
    }

    [Fact]
    public void EnglishLetter_IsInEnglish_WithGermanBesideIt()
    {
        var (text, _, _, pages) = Read(s_renderer.Render(s_model with { Language = "en" }));

        Assert.Contains("K7QM-R4TZ", text);
        Assert.Contains("Your access to the KitaLink app", text);
        Assert.Contains("PIN 2 was sent by email to:", text);
        Assert.Contains("julia.schneider@exmaple.com", text);
        Assert.Contains("valid until 8 December 2026, 14:35", text);
        Assert.Contains("Install the KitaLink app", text);
        Assert.Contains("Installieren", text);
        Assert.Contains("gültig bis 08.12.2026, 14:35 Uhr", text);
        Assert.Equal(1, pages);
    }

    [Fact]
    public void Letter_IsOneA4Page()
    {
        var (_, width, height, _) = Read(s_renderer.Render(s_model));
        Assert.Equal(595, width, 0);
        Assert.Equal(842, height, 0);
    }

    [Fact]
    public void LongValues_WrapInsteadOfRunningOffThePage()
    {
        var model = s_model with
        {
            FacilityName = "Städtische Kindertagesstätte " + string.Join(' ', Enumerable.Repeat("Regenbogenland", 12)),
            GuardianName = string.Join(' ', Enumerable.Repeat("Julia-Sophie", 15)),
            ChildName = string.Join(' ', Enumerable.Repeat("Maximiliane", 9)),
            Pin2Email = new string('a', 120) + "@example.com",
        };
        using var document = PdfDocument.Open(s_renderer.Render(model));
        var letters = new List<string>();
        foreach (var page in document.GetPages())
        {
            Assert.All(page.Letters, letter =>
            {
                Assert.InRange(letter.BoundingBox.Left, 0, page.Width);
                Assert.InRange(letter.BoundingBox.Right, 0, page.Width);
                Assert.InRange(letter.BoundingBox.Bottom, 0, page.Height);
                Assert.InRange(letter.BoundingBox.Top, 0, page.Height);
            });
            letters.Add(string.Concat(page.Letters.Select(l => l.Value)));
        }
        var all = string.Concat(letters);
        // The long address is split over lines but every character is there, in order, and so is the rest.
        Assert.Contains(new string('a', 60), all);
        Assert.Contains("example.com", all);
        Assert.Contains("K7QM-R4TZ", all);
        Assert.Contains("nurfürSieundnureinmal", all.Replace(" ", ""));
    }

    [Fact]
    public async Task ConcurrentRenders_AllProduceCompleteLetters()
    {
        static string Pin(int i) => $"K7QM-{"23456789ABCDEFGH"[i]}4TZ";
        var letters = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            s_renderer.Render(s_model with { Pin1Formatted = Pin(i) }))));
        for (var i = 0; i < letters.Length; i++)
        {
            Assert.Contains(Pin(i), Read(letters[i]).Text);
        }
    }

    [Fact]
    public void Letter_UsesTheSameBerlinDatesAsTheMail()
    {
        var (text, _, _, _) = Read(s_renderer.Render(s_model));
        Assert.Contains(KitaTime.GermanDateTime(s_model.ExpiresAt), text);
    }
}

/// <summary>The QR code, the languages and the facility contact of the letter.</summary>
public sealed class PinLetterContentTests
{
    private static readonly PinLetterRenderer s_renderer = new();

    private static readonly PinLetterModel s_model = new(
        FacilityName: "Kita Sonnenschein",
        ChildName: "Mia Schneider",
        GuardianName: "Julia Schneider",
        Pin1Formatted: "K7QM-R4TZ",
        ExpiresAt: new DateTimeOffset(2026, 12, 8, 13, 35, 0, TimeSpan.Zero),
        Pin2Email: "julia.schneider@example.com",
        IssuedAt: new DateTimeOffset(2026, 11, 24, 13, 35, 0, TimeSpan.Zero),
        RegistrationLink: "https://app.kitalink.example/register?pin1=K7QM-R4TZ",
        Contact: new KitaLink.Api.Facilities.FacilityContact("Müllerstraße 12\n13353 Berlin", "+49 30 1234567", "kita@sonnenschein.example"));

    public static TheoryData<string, string, string> Languages => new()
    {
        { "de", "Geben Sie PIN 1 von diesem Brief ein.", "Stempel / Unterschrift der Kita" },
        { "en", "Enter PIN 1 from this letter.", "Stamp / signature of the Kita" },
        { "tr", "Bu mektuptaki PIN 1'i girin.", "Kreşin kaşesi / imzası" },
        { "uk", "Введіть PIN 1 з цього листа.", "Печатка / підпис дитячого садка" },
        { "ru", "Введите PIN 1 из этого письма.", "Печать / подпись детского сада" },
        { "pl", "Wpisz PIN 1 z tego listu.", "Pieczątka / podpis przedszkola" },
    };

    [Theory]
    [MemberData(nameof(Languages))]
    public void EveryLanguage_IsPrintedWithGermanBeside_OnOnePage(string language, string step, string signature)
    {
        var pages = LetterReader.PageTexts(s_renderer.Render(s_model with { Language = language }));

        var page = Assert.Single(pages);
        Assert.Contains(step, page);
        Assert.Contains(signature, page);
        // German is always there, so staff can read along.
        Assert.Contains("Geben Sie PIN 1 von diesem Brief ein.", page);
        Assert.Contains("K7QM-R4TZ", page);
        Assert.Contains("julia.schneider@example.com", page);
        Assert.Contains("08.12.2026", page);
    }

    [Fact]
    public void EveryLanguage_UsesOnlyCharactersTheEmbeddedFontHas()
    {
        foreach (var language in KitaLink.Api.Pins.FamilyLanguages.Codes)
        {
            using var document = UglyToad.PdfPig.PdfDocument.Open(s_renderer.Render(s_model with { Language = language }));
            var letters = document.GetPage(1).Letters;
            // A glyph the font lacks comes out as U+FFFD or an empty box; every letter must map back to real text.
            Assert.DoesNotContain(letters, l => l.Value is "\uFFFD" or "" || l.Value.Any(c => c == '\u25A1'));
            Assert.All(letters, l => Assert.Contains("DejaVu", l.FontName ?? "", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Letter_PrintsTheFacilityContact_WhereItSaysAskYourKita()
    {
        var page = Assert.Single(LetterReader.PageTexts(s_renderer.Render(s_model)));
        var ask = page.IndexOf("Fragen? Wenden Sie sich an Ihre Kita:", StringComparison.Ordinal);
        Assert.True(ask >= 0, page);
        Assert.True(page.IndexOf("Müllerstraße 12", ask, StringComparison.Ordinal) > ask);
        Assert.Contains("13353 Berlin", page);
        Assert.Contains("+49 30 1234567", page);
        Assert.Contains("kita@sonnenschein.example", page);
    }

    [Fact]
    public void QrCode_ScansToTheRegistrationLink_WithPin1Only()
    {
        var qr = Assert.Single(LetterReader.QrTexts(s_renderer.Render(s_model with { Language = "uk" })));
        Assert.Equal("https://app.kitalink.example/register?pin1=K7QM-R4TZ", qr);
    }

    [Fact]
    public void Letter_ExplainsThatScanningFillsInPin1()
    {
        var page = Assert.Single(LetterReader.PageTexts(s_renderer.Render(s_model)));
        Assert.Contains("Scannen Sie den QR-Code", page);
        Assert.Contains("PIN 1 ist schon eingetragen", page);
    }
}
