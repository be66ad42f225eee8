namespace KitaLink.Api.Infrastructure.Http;

/// <summary>The client's choice between the service's two languages, German and English.</summary>
public enum PreferredLanguage
{
    None,
    German,
    English,
}

public static class AcceptLanguage
{
    /// <summary>
    /// The first of German or English in <c>Accept-Language</c>, by quality (the header's order among equals);
    /// <see cref="PreferredLanguage.None"/> when it names neither or is malformed (a malformed header counts as none).
    /// </summary>
    public static PreferredLanguage Of(HttpRequest request)
    {
        IList<Microsoft.Net.Http.Headers.StringWithQualityHeaderValue> languages;
        try
        {
            languages = request.GetTypedHeaders().AcceptLanguage;
        }
        catch (FormatException)
        {
            return PreferredLanguage.None;
        }
        foreach (var language in languages.OrderByDescending(l => l.Quality ?? 1.0))
        {
            var tag = language.Value.Value ?? "";
            if (tag.StartsWith("de", StringComparison.OrdinalIgnoreCase))
            {
                return PreferredLanguage.German;
            }
            if (tag.StartsWith("en", StringComparison.OrdinalIgnoreCase))
            {
                return PreferredLanguage.English;
            }
        }
        return PreferredLanguage.None;
    }
}
