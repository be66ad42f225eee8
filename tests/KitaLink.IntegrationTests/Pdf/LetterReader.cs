using System.Diagnostics;
using System.Text;
using UglyToad.PdfPig;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;

namespace KitaLink.IntegrationTests.Pdf;

/// <summary>
/// Reads PIN letters back: the text of each page (PdfPig) and the QR code of a page as a phone camera would
/// see it — the page rasterised by poppler's <c>pdftoppm</c> into a grey-scale image and decoded by ZXing from
/// its raw luminance bytes (no System.Drawing). scripts/test.sh installs poppler-utils when it is missing.
/// </summary>
public static class LetterReader
{
    public static IReadOnlyList<string> PageTexts(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return document.GetPages().Select(p => string.Join(' ', p.GetWords().Select(w => w.Text))).ToList();
    }

    /// <summary>
    /// The QR codes' texts of every page, in page order (null for a page without a readable code). A page whose code
    /// ZXing cannot read at the first resolution is read again at higher ones, as a phone camera would move closer:
    /// whether a given code decodes at one resolution depends on its content (the PIN in it), not only on the letter.
    /// </summary>
    public static IReadOnlyList<string?> QrTexts(byte[] pdf, int dpi = 110)
    {
        var folder = Directory.CreateTempSubdirectory("kitalink-letter-");
        try
        {
            var file = Path.Combine(folder.FullName, "letters.pdf");
            File.WriteAllBytes(file, pdf);
            string?[]? texts = null;
            foreach (var resolution in new[] { dpi, dpi * 3 / 2, dpi * 2, dpi * 3 })
            {
                var prefix = Path.Combine(folder.FullName, $"r{resolution}");
                Rasterise(file, prefix, resolution);
                var pages = Directory.GetFiles(folder.FullName, $"r{resolution}-*.pgm").Order(StringComparer.Ordinal).ToList();
                texts ??= new string?[pages.Count];
                for (var i = 0; i < pages.Count; i++)
                {
                    texts[i] ??= Decode(File.ReadAllBytes(pages[i]));
                }
                if (texts.All(t => t is not null))
                {
                    break;
                }
            }
            return texts!;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Renders every page to PNG files (to look at the glyphs); returns their paths.</summary>
    public static IReadOnlyList<string> RenderPng(byte[] pdf, string folder, string name, int dpi = 80)
    {
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, name + ".pdf");
        File.WriteAllBytes(file, pdf);
        Run("pdftoppm", $"-png -r {dpi} \"{file}\" \"{Path.Combine(folder, name)}\"");
        return Directory.GetFiles(folder, name + "*.png").Order(StringComparer.Ordinal).ToList();
    }

    private static void Rasterise(string pdf, string prefix, int dpi) => Run("pdftoppm", $"-gray -r {dpi} \"{pdf}\" \"{prefix}\"");

    private static void Run(string tool, string arguments)
    {
        ProcessStartInfo start = new(tool, arguments) { RedirectStandardError = true, UseShellExecute = false };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{tool} is missing: install poppler-utils (scripts/test.sh does so).");
        }
        using (process)
        {
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{tool} failed: {error}");
        }
    }

    /// <summary>Decodes a binary PGM (P5, 8 bit) with ZXing's QR reader.</summary>
    internal static string? Decode(byte[] pgm)
    {
        var (width, height, offset) = PgmHeader(pgm);
        var luminance = new RGBLuminanceSource(pgm[offset..(offset + (width * height))], width, height, RGBLuminanceSource.BitmapFormat.Gray8);
        var hints = new Dictionary<DecodeHintType, object> { [DecodeHintType.TRY_HARDER] = true };
        return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(luminance)), hints)?.Text
            ?? new QRCodeReader().decode(new BinaryBitmap(new GlobalHistogramBinarizer(luminance)), hints)?.Text;
    }

    private static (int Width, int Height, int Offset) PgmHeader(byte[] pgm)
    {
        // "P5" width height maxval, separated by whitespace, then one whitespace byte and the pixels.
        var fields = new List<string>();
        var position = 0;
        while (fields.Count < 4)
        {
            while (char.IsWhiteSpace((char)pgm[position]))
            {
                position++;
            }
            var start = position;
            while (!char.IsWhiteSpace((char)pgm[position]))
            {
                position++;
            }
            fields.Add(Encoding.ASCII.GetString(pgm, start, position - start));
        }
        Assert.Equal("P5", fields[0]);
        Assert.Equal("255", fields[3]);
        return (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture), position + 1);
    }
}
