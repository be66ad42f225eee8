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
    private readonly EphemeralDataProtectionProvider _dataProtection = new();

    private PinProtector Create() =>
        new(Options.Create(new PinOptions { HashKey = Convert.ToBase64String(s_key) }), _dataProtection);

    private static byte[] Hmac(string text) => HMACSHA256.HashData(s_key, Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Hashes_AreKeyedAndSeparatedByPurpose_InTheStoredFormat()
    {
        var protector = Create();

        Assert.Equal(Hmac("pin1:ABCDEFGH"), protector.Pin1Lookup("ABCDEFGH"));
        Assert.Equal(Hmac("pin2:ABCDEFGH"), protector.Pin2Hash("ABCDEFGH"));
    }

    [Fact]
    public void Pin2Matches_OnlyTheSamePin()
    {
        var protector = Create();
        var stored = protector.Pin2Hash("ABCDEFGH");

        Assert.True(protector.Pin2Matches("ABCDEFGH", stored));
        Assert.False(protector.Pin2Matches("ABCDEFGJ", stored));
        Assert.False(protector.Pin2Matches("ABCDEFGH", protector.Pin1Lookup("ABCDEFGH")));
    }

    [Fact]
    public void Pin1_IsEncrypted_AndReadableUnderItsPurpose()
    {
        var protector = Create();

        var stored = protector.ProtectPin1("ABCDEFGH");

        Assert.DoesNotContain("ABCDEFGH", stored);
        Assert.Equal("ABCDEFGH", protector.UnprotectPin1(stored));
        // Letters already stored stay readable: the purpose string is part of the stored format.
        Assert.Equal("ABCDEFGH", _dataProtection.CreateProtector("KitaLink.Pins.Pin1.v1").Unprotect(stored));
    }
}
