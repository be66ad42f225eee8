using System.Security.Cryptography;
using System.Text;
using KitaLink.Api.Pins;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace KitaLink.UnitTests.Rules;

/// <summary>
/// The stored form of PINs must not drift: pairs already in the database are found by their PIN 1 lookup
/// hash, checked by their PIN 2 hash and shown by decrypting PIN 1, all with the formats written here.
/// </summary>
public sealed class PinProtectorTests
{
    private static readonly byte[] s_key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static readonly byte[] s_key2 = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] s_key3 = Enumerable.Range(201, 32).Select(i => (byte)i).ToArray();
    private readonly EphemeralDataProtectionProvider _dataProtection = new();

    private PinProtector Create() =>
        new(Options.Create(new PinOptions { HashKey = Convert.ToBase64String(s_key) }), _dataProtection);

    /// <summary>Key 3 current, keys 1 and 2 previous (configured in the order an operator might list them).</summary>
    private PinProtector CreateRotated() =>
        new(Options.Create(new PinOptions
        {
            HashKey = Convert.ToBase64String(s_key3),
            HashKeyVersion = 3,
            PreviousHashKeys = new() { ["1"] = Convert.ToBase64String(s_key), ["2"] = Convert.ToBase64String(s_key2), ["4"] = " " },
        }), _dataProtection);

    private static byte[] Hmac(string text) => Hmac(s_key, text);

    private static byte[] Hmac(byte[] key, string text) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text));

    private static PinPair PairWith(PinHashes hashes) =>
        new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "eltern@gmail.com", "protected", hashes, Guid.NewGuid(),
            DateTimeOffset.UnixEpoch, TimeSpan.FromDays(14));

    [Fact]
    public void Hashes_AreKeyedAndSeparatedByPurpose_InTheStoredFormat()
    {
        var protector = Create();

        Assert.Equal(Hmac("pin1:ABCDEFGH"), protector.Pin1Lookup("ABCDEFGH"));
        var hashes = protector.Hash("ABCDEFGH", "JKLMNPQR");
        Assert.Equal(Hmac("pin1:ABCDEFGH"), hashes.Pin1Lookup);
        Assert.Equal(Hmac("pin2:JKLMNPQR"), hashes.Pin2Hash);
        // Pairs hashed before key versions existed are version 1, the default.
        Assert.Equal(1, hashes.KeyVersion);
        Assert.Equal(1, protector.CurrentKeyVersion);
    }

    [Fact]
    public void Pin2Matches_OnlyTheSamePin()
    {
        var protector = Create();
        var stored = protector.Hash("ABCDEFGH", "JKLMNPQR");

        Assert.True(protector.Pin2Matches("JKLMNPQR", stored.Pin2Hash, 1));
        Assert.False(protector.Pin2Matches("JKLMNPQS", stored.Pin2Hash, 1));
        Assert.False(protector.Pin2Matches("ABCDEFGH", stored.Pin1Lookup, 1));
    }

    [Fact]
    public void NewHashes_UseTheCurrentKey_AndRecordItsVersion()
    {
        var protector = CreateRotated();

        var hashes = protector.Hash("ABCDEFGH", "JKLMNPQR");

        Assert.Equal(3, protector.CurrentKeyVersion);
        Assert.Equal(3, hashes.KeyVersion);
        Assert.Equal(Hmac(s_key3, "pin1:ABCDEFGH"), hashes.Pin1Lookup);
        Assert.Equal(Hmac(s_key3, "pin2:JKLMNPQR"), hashes.Pin2Hash);
        Assert.Equal(Hmac(s_key3, "pin1:ABCDEFGH"), protector.Pin1Lookup("ABCDEFGH"));
    }

    [Fact]
    public void Pin1Lookups_HashUnderTheCurrentKeyFirst_ThenThePreviousNewestFirst_SkippingBlankKeys()
    {
        var lookups = CreateRotated().Pin1Lookups("ABCDEFGH");

        Assert.Equal([Hmac(s_key3, "pin1:ABCDEFGH"), Hmac(s_key2, "pin1:ABCDEFGH"), Hmac(s_key, "pin1:ABCDEFGH")], lookups.Hashes);
        Assert.Equal([Hmac(s_key2, "pin1:ABCDEFGH"), Hmac(s_key, "pin1:ABCDEFGH")], lookups.PreviousHashes);
        Assert.Empty(Create().Pin1Lookups("ABCDEFGH").PreviousHashes);
    }

    [Fact]
    public void Pin2Matches_UsesTheKeyOfThePairsVersion()
    {
        var protector = CreateRotated();
        var underKey1 = Hmac(s_key, "pin2:JKLMNPQR");
        var underKey2 = Hmac(s_key2, "pin2:JKLMNPQR");

        Assert.True(protector.Pin2Matches("JKLMNPQR", underKey1, 1));
        Assert.True(protector.Pin2Matches("JKLMNPQR", underKey2, 2));
        Assert.False(protector.Pin2Matches("JKLMNPQR", underKey1, 2));
        Assert.False(protector.Pin2Matches("JKLMNPQR", underKey2, 3));
        Assert.False(protector.Pin2Matches("JKLMNPQS", underKey1, 1));
    }

    [Fact]
    public void Pin2Matches_OfARemovedKeyVersion_NeverMatches()
    {
        var protector = Create();
        var stored = protector.Hash("ABCDEFGH", "JKLMNPQR").Pin2Hash;

        // Even a hash that the current key would confirm: version 7 is not configured, so the pair is not checked.
        Assert.False(protector.Pin2Matches("JKLMNPQR", stored, 7));
    }

    [Fact]
    public void PairAmong_PicksThePairWhoseRecordedVersionMadeTheMatchingHash()
    {
        var protector = CreateRotated();
        var lookups = protector.Pin1Lookups("ABCDEFGH");
        var oldPair = PairWith(new PinHashes(1, Hmac(s_key, "pin1:ABCDEFGH"), new byte[32]));
        // Matched by key 2's hash but records version 1: some other PIN's pair, not this one's.
        var foreign = PairWith(new PinHashes(1, Hmac(s_key2, "pin1:ABCDEFGH"), new byte[32]));

        Assert.Same(oldPair, lookups.PairAmong([foreign, oldPair]));
        Assert.Null(lookups.PairAmong([foreign]));
        Assert.Null(lookups.PairAmong([]));
    }

    [Fact]
    public void PairAmong_PrefersTheNewestKeyVersion()
    {
        var lookups = CreateRotated().Pin1Lookups("ABCDEFGH");
        var underKey1 = PairWith(new PinHashes(1, Hmac(s_key, "pin1:ABCDEFGH"), new byte[32]));
        var underKey2 = PairWith(new PinHashes(2, Hmac(s_key2, "pin1:ABCDEFGH"), new byte[32]));
        var underKey3 = PairWith(new PinHashes(3, Hmac(s_key3, "pin1:ABCDEFGH"), new byte[32]));

        Assert.Same(underKey3, lookups.PairAmong([underKey1, underKey2, underKey3]));
        Assert.Same(underKey2, lookups.PairAmong([underKey1, underKey2]));
        Assert.Same(underKey1, lookups.PairAmong([underKey1]));
    }

    [Fact]
    public void Rotation_KeepsOldHashesFindable_UntilTheirKeyIsRemoved()
    {
        var before = Create();
        var stored = before.Hash("ABCDEFGH", "JKLMNPQR");
        var pair = PairWith(stored);

        var during = CreateRotated();
        Assert.Same(pair, during.Pin1Lookups("ABCDEFGH").PairAmong([pair]));
        Assert.True(during.Pin2Matches("JKLMNPQR", stored.Pin2Hash, pair.HashKeyVersion));

        var after = new PinProtector(Options.Create(new PinOptions { HashKey = Convert.ToBase64String(s_key3), HashKeyVersion = 3 }), _dataProtection);
        Assert.DoesNotContain(stored.Pin1Lookup, after.Pin1Lookups("ABCDEFGH").Hashes);
        Assert.Null(after.Pin1Lookups("ABCDEFGH").PairAmong([pair]));
        Assert.False(after.Pin2Matches("JKLMNPQR", stored.Pin2Hash, pair.HashKeyVersion));
    }

    [Fact]
    public void Pin1_IsEncrypted_AndReadableUnderItsPurpose_WhateverTheHashKey()
    {
        var protector = Create();

        var stored = protector.ProtectPin1("ABCDEFGH");

        Assert.DoesNotContain("ABCDEFGH", stored);
        Assert.Equal("ABCDEFGH", protector.UnprotectPin1(stored));
        // The letter of a pair made under an earlier hash key is still readable: encryption does not use the hash key.
        Assert.Equal("ABCDEFGH", CreateRotated().UnprotectPin1(stored));
        // Letters already stored stay readable: the purpose string is part of the stored format.
        Assert.Equal("ABCDEFGH", _dataProtection.CreateProtector("KitaLink.Pins.Pin1.v1").Unprotect(stored));
    }
}
