using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace KitaLink.Api.Infrastructure.Security;

/// <summary><c>Jwt__*</c>: signing key (at least 256 bits), issuer, audience and token lifetimes.</summary>
public sealed class JwtOptions
{
    public const string Section = "Jwt";

    /// <summary>Symmetric HMAC-SHA256 key; base64 or plain text, at least 32 bytes.</summary>
    [Required]
    public string SigningKey { get; set; } = "";

    [Required]
    public string Issuer { get; set; } = "kitalink";

    [Required]
    public string Audience { get; set; } = "kitalink-app";

    [Range(1, 60)]
    public int ParentAccessTokenMinutes { get; set; } = 15;

    [Range(1, 480)]
    public int StaffAccessTokenMinutes { get; set; } = 60;

    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 30;

    /// <summary>
    /// Earlier signing keys whose tokens are still accepted during a rotation (<c>Jwt__ValidationKeys__0</c>, ...;
    /// base64 or plain text, at least 32 bytes each). New tokens are always signed with <see cref="SigningKey"/>.
    /// </summary>
    public List<string> ValidationKeys { get; set; } = [];

    public byte[] SigningKeyBytes() => KeyMaterial.Decode(SigningKey);

    /// <summary>The signing key as a security key whose id (the token header's <c>kid</c>) is derived from its bytes.</summary>
    public SymmetricSecurityKey SigningSecurityKey() => WithKeyId(SigningKeyBytes());

    /// <summary>Every key a token may be signed with: the signing key first, then the validation keys.</summary>
    public IReadOnlyList<SymmetricSecurityKey> AcceptedSecurityKeys() =>
        [SigningSecurityKey(), .. ValidationKeys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => WithKeyId(KeyMaterial.Decode(k)))];

    /// <summary>
    /// The key id: the first 8 bytes of SHA-256 over the key, as hex. It names the key without revealing it, is the
    /// same on every instance without configuring it, and changes with the key.
    /// </summary>
    public static string KeyId(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));

    private static SymmetricSecurityKey WithKeyId(byte[] key) => new(key) { KeyId = KeyId(key) };
}

/// <summary><c>Passwords__*</c>: hashing cost and how many hashes may run at once.</summary>
public sealed class PasswordOptions
{
    public const string Section = "Passwords";

    /// <summary>PBKDF2-HMAC-SHA512 iterations (OWASP 2023 minimum: 210,000).</summary>
    [Range(210_000, 10_000_000)]
    public int Iterations { get; set; } = 210_000;

    /// <summary>Concurrent hash computations; default: one per core so the rest of the API keeps running.</summary>
    [Range(0, 256)]
    public int MaxConcurrentHashes { get; set; }

    /// <summary>
    /// Requests that may wait for a hashing slot; beyond that a request gets 503 at once. Default: 32 per
    /// slot, which absorbs 64 concurrent logins on 2 cores without errors.
    /// </summary>
    [Range(0, 100_000)]
    public int MaxQueuedHashes { get; set; }

    /// <summary>How long a request may wait for a hashing slot before it gets 503.</summary>
    [Range(0, 60_000)]
    public int QueueTimeoutMilliseconds { get; set; } = 10_000;

    /// <summary>Failed logins after which an account is locked for <see cref="LockoutMinutes"/>.</summary>
    [Range(1, 100)]
    public int MaxFailedLogins { get; set; } = 10;

    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 15;
}

/// <summary><c>Bootstrap__*</c>: the first operator account, created at start-up when none exists.</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";
    public string? OperatorEmail { get; set; }
    public string? OperatorPassword { get; set; }
}

internal static class KeyMaterial
{
    /// <summary>Accepts base64 (the recommended form) or, failing that, the UTF-8 bytes of the text.</summary>
    public static byte[] Decode(string key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return [];
        }
        var buffer = new byte[key.Length];
        return Convert.TryFromBase64String(key, buffer, out var written) && written >= 32
            ? buffer[..written]
            : System.Text.Encoding.UTF8.GetBytes(key);
    }
}
