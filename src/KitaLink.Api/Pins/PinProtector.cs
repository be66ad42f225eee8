using System.Security.Cryptography;
using System.Text;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Pins;

/// <summary>
/// Keeps PINs as the spec demands: PIN 1 encrypted at rest (Data Protection, so staff can read it back)
/// plus an HMAC-SHA256 lookup hash; PIN 2 only as an HMAC-SHA256 hash. Hashes are keyed with
/// <c>Pins:HashKey</c>, so a database dump alone cannot be brute-forced against the 40-bit PIN space.
/// </summary>
public sealed class PinProtector(IOptions<PinOptions> options, IDataProtectionProvider dataProtection)
{
    private readonly byte[] _key = KeyMaterial.Decode(options.Value.HashKey);
    private readonly IDataProtector _pin1Protector = dataProtection.CreateProtector("KitaLink.Pins.Pin1.v1");

    public byte[] Pin1Lookup(string canonicalPin1) => Hash("pin1:", canonicalPin1);

    public byte[] Pin2Hash(string canonicalPin2) => Hash("pin2:", canonicalPin2);

    /// <summary>Constant-time comparison of a presented PIN 2 with the stored hash.</summary>
    public bool Pin2Matches(string canonicalPin2, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Pin2Hash(canonicalPin2), storedHash);

    public string ProtectPin1(string canonicalPin1) => _pin1Protector.Protect(canonicalPin1);

    public string UnprotectPin1(string protectedPin1) => _pin1Protector.Unprotect(protectedPin1);

    private byte[] Hash(string purpose, string value) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(purpose + value));
}
