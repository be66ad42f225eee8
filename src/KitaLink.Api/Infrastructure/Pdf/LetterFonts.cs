using System.Collections.Concurrent;
using PdfSharp.Fonts;

namespace KitaLink.Api.Infrastructure.Pdf;

/// <summary>
/// Serves the DejaVu fonts shipped in <c>Resources/</c> to PDFsharp, so every host (a slim container
/// without any system fonts included) renders the letter identically, umlauts and all. PDFsharp keeps
/// one resolver for the whole process; <see cref="EnsureRegistered"/> sets it exactly once.
/// </summary>
internal sealed class LetterFonts : IFontResolver
{
    public const string Sans = "DejaVu Sans";
    public const string Mono = "DejaVu Sans Mono";

    private const string SansRegularFace = "DejaVuSans";
    private const string SansBoldFace = "DejaVuSans-Bold";
    private const string MonoBoldFace = "DejaVuSansMono-Bold";

    private static readonly LetterFonts s_instance = new();
    private static readonly Lock s_registration = new();
    private static volatile bool s_registered;

    private readonly ConcurrentDictionary<string, Lazy<byte[]>> _faces = new(StringComparer.Ordinal);

    private LetterFonts()
    {
    }

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Resources");

    public static void EnsureRegistered()
    {
        if (s_registered)
        {
            return;
        }
        lock (s_registration)
        {
            if (!s_registered)
            {
                // PDFsharp accepts a second assignment only with the same instance; the check keeps
                // this safe should another component have set it first.
                if (!ReferenceEquals(GlobalFontSettings.FontResolver, s_instance))
                {
                    GlobalFontSettings.FontResolver = s_instance;
                }
                s_registered = true;
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
    {
        // Only the bold cut of the mono font ships (it is used for the PIN alone); every other family
        // falls back to DejaVu Sans rather than failing the letter.
        var face = familyName.Equals(Mono, StringComparison.OrdinalIgnoreCase)
            ? MonoBoldFace
            : bold ? SansBoldFace : SansRegularFace;
        return new FontResolverInfo(face, mustSimulateBold: false, mustSimulateItalic: italic);
    }

    public byte[]? GetFont(string faceName) =>
        _faces.GetOrAdd(faceName, name => new Lazy<byte[]>(() => File.ReadAllBytes(Path.Combine(Directory, name + ".ttf")))).Value;
}
