using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Pins;

/// <summary>The keyed hashes of a pair and the version of the hash key that made both.</summary>
public sealed record PinHashes(int KeyVersion, byte[] Pin1Lookup, byte[] Pin2Hash);

/// <summary>
/// Keeps PINs as the spec demands: PIN 1 encrypted at rest (Data Protection, so staff can read it back)
/// plus an HMAC-SHA256 lookup hash; PIN 2 only as an HMAC-SHA256 hash. Hashes are keyed with
/// <c>Pins:HashKey</c>, so a database dump alone cannot be brute-forced against the 40-bit PIN space.
/// <para>
/// Hash keys are versioned so the key can be rotated while pairs are pending (docs/operations.md): new hashes
/// always use the current key (<c>Pins:HashKeyVersion</c>), each pair records the version that made its hashes,
/// and a PIN 1 is looked up under the current and every previous key (<c>Pins:PreviousHashKeys</c>). PIN 1
/// encryption does not depend on these keys: letters of old pairs stay readable whatever the hash key.
/// </para>
/// </summary>
public sealed class PinProtector
{
    private readonly IReadOnlyList<(int Version, byte[] Key)> _keys;
    private readonly IDataProtector _pin1Protector;

    public PinProtector(IOptions<PinOptions> options, IDataProtectionProvider dataProtection)
    {
        _keys = options.Value.HashKeys();
        _pin1Protector = dataProtection.CreateProtector("KitaLink.Pins.Pin1.v1");
    }

    /// <summary>The version of the key new hashes are made with.</summary>
    public int CurrentKeyVersion => _keys[0].Version;

    /// <summary>The hashes of a new pair, or of a pair that gets a new PIN 2: always with the current key.</summary>
    public PinHashes Hash(string canonicalPin1, string canonicalPin2) =>
        new(CurrentKeyVersion, Hash(_keys[0].Key, "pin1:", canonicalPin1), Hash(_keys[0].Key, "pin2:", canonicalPin2));

    /// <summary>The PIN 1 lookup hash under the current key.</summary>
    public byte[] Pin1Lookup(string canonicalPin1) => Hash(_keys[0].Key, "pin1:", canonicalPin1);

    /// <summary>The PIN 1 lookup hash under every configured key, to find a pair whatever key version made it.</summary>
    public Pin1Lookups Pin1Lookups(string canonicalPin1) =>
        new([.. _keys.Select(k => (k.Version, Hash(k.Key, "pin1:", canonicalPin1)))]);

    /// <summary>
    /// Constant-time comparison of a presented PIN 2 with a stored hash made with key <paramref name="keyVersion"/>.
    /// A version no longer configured never matches (the same hashing work is done all the same).
    /// </summary>
    public bool Pin2Matches(string canonicalPin2, byte[] storedHash, int keyVersion)
    {
        var known = _keys.Any(k => k.Version == keyVersion);
        var key = known ? _keys.First(k => k.Version == keyVersion).Key : _keys[0].Key;
        return CryptographicOperations.FixedTimeEquals(Hash(key, "pin2:", canonicalPin2), storedHash) && known;
    }

    public string ProtectPin1(string canonicalPin1) => _pin1Protector.Protect(canonicalPin1);

    public string UnprotectPin1(string protectedPin1) => _pin1Protector.Unprotect(protectedPin1);

    private static byte[] Hash(byte[] key, string purpose, string value) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(purpose + value));
}

/// <summary>One presented PIN 1 hashed under each configured key version, current first.</summary>
public sealed class Pin1Lookups
{
    private readonly IReadOnlyList<(int Version, byte[] Hash)> _byVersion;

    internal Pin1Lookups(IReadOnlyList<(int Version, byte[] Hash)> byVersion)
    {
        _byVersion = byVersion;
        Hashes = [.. byVersion.Select(l => l.Hash)];
    }

    /// <summary>Every candidate hash, for one query: <c>pin1lookup = ANY(hashes)</c> (one indexed round trip whatever the number of keys).</summary>
    public byte[][] Hashes { get; }

    /// <summary>The hashes under the previous keys only (not the current one).</summary>
    public byte[][] PreviousHashes => Hashes[1..];

    /// <summary>
    /// Of the pairs the query found, the one whose lookup hash was made with the key version it records (a pair
    /// matched only through another version's hash is not this PIN's); the newest key version wins.
    /// </summary>
    public PinPair? PairAmong(IEnumerable<PinPair> found)
    {
        var pairs = found.ToList();
        foreach (var (version, hash) in _byVersion)
        {
            if (pairs.FirstOrDefault(p => p.HashKeyVersion == version && p.Pin1Lookup.AsSpan().SequenceEqual(hash)) is { } pair)
            {
                return pair;
            }
        }
        return null;
    }
}
