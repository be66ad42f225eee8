using KitaLink.Api.Facilities;

namespace KitaLink.Api.Pins;

/// <summary>The letter of one pair: the same content for the single letter and for a batch.</summary>
public static class PinLetters
{
    public static PinLetterModel Model(
        Facility facility, string childName, string guardianName, PinPair pair, string pin1Formatted,
        RegistrationLinkOptions link, string? language) => new(
        facility.Name,
        childName,
        guardianName,
        pin1Formatted,
        pair.ExpiresAt,
        pair.GuardianEmail,
        pair.CreatedAt,
        link.For(pin1Formatted),
        FacilityContact.Of(facility),
        language);
}
