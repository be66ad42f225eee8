using System.ComponentModel.DataAnnotations;

namespace KitaLink.Api.Pins;

/// <summary><c>Pins__*</c>: validity of a PIN pair and the key of the PIN hashes.</summary>
public sealed class PinOptions
{
    public const string Section = "Pins";

    [Range(1, 90)]
    public int ValidityDays { get; set; } = 14;

    /// <summary>HMAC key for the PIN 1 lookup hash and the PIN 2 hash; base64 or plain text, at least 32 bytes.</summary>
    [Required]
    public string HashKey { get; set; } = "";

    /// <summary>How many PIN 2 resends one guardian may trigger per hour.</summary>
    [Range(1, 100)]
    public int Pin2ResendsPerHour { get; set; } = 3;
}
