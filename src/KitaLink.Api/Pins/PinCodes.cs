using System.Security.Cryptography;

namespace KitaLink.Api.Pins;

/// <summary>
/// PIN format: 8 characters from a 32-character alphabet without look-alikes (no 0/O, 1/I), i.e.
/// 40 bits from a CSPRNG, shown as <c>XXXX-XXXX</c>. Input is case-insensitive and ignores spaces and dashes.
/// </summary>
public static class PinCodes
{
    public const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    public const int Length = 8;

    /// <summary>A new PIN in canonical form (8 characters, no dash).</summary>
    public static string Generate() => RandomNumberGenerator.GetString(Alphabet, Length);

    /// <summary>The display form: <c>ABCD-EFGH</c>.</summary>
    public static string Format(string canonical) => $"{canonical[..4]}-{canonical[4..]}";

    /// <summary>The canonical form of user input, or null when it cannot be a PIN.</summary>
    public static string? Normalize(string? input)
    {
        if (input is null || input.Length > 32)
        {
            return null;
        }
        Span<char> buffer = stackalloc char[Length];
        var count = 0;
        foreach (var c in input)
        {
            if (c is ' ' or '-')
            {
                continue;
            }
            var upper = char.ToUpperInvariant(c);
            if (count == Length || !Alphabet.Contains(upper))
            {
                return null;
            }
            buffer[count++] = upper;
        }
        return count == Length ? new string(buffer) : null;
    }
}
