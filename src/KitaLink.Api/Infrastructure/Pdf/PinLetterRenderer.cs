namespace KitaLink.Api.Infrastructure.Pdf;

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

/// <summary>Renders the A4 PIN 1 letter as PDF.</summary>
public sealed class PinLetterRenderer
{
    public byte[] Render(PinLetterModel model, LetterLanguage language) => throw new NotImplementedException("The letter renderer lands with the PDF work.");
}
