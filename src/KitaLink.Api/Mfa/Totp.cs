using System.Security.Cryptography;
using OtpNet;
using QRCoder;

namespace KitaLink.Api.Mfa;

/// <summary>
/// TOTP as RFC 6238 with the parameters every authenticator app understands: HMAC-SHA1, 6 digits, 30-second
/// steps, a 160-bit secret (RFC 4226's recommendation). A code is accepted for its own step and one step either
/// side (clock drift of phones); which step matched is returned, so the caller can refuse a replay.
/// </summary>
public static class Totp
{
    public const int StepSeconds = 30;
    public const int Digits = 6;
    public const int SecretBytes = 20;

    private static readonly VerificationWindow s_window = new(previous: 1, future: 1);

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretBytes);

    /// <summary>The secret as authenticator apps take it when typed in: base32 without padding.</summary>
    public static string Base32(byte[] secret) => Base32Encoding.ToString(secret).TrimEnd('=');

    /// <summary>The Key URI format of authenticator apps (<c>otpauth://totp/Issuer:account?secret=...</c>).</summary>
    public static string KeyUri(byte[] secret, string issuer, string accountName)
    {
        var label = Uri.EscapeDataString(issuer) + ":" + Uri.EscapeDataString(accountName);
        return $"otpauth://totp/{label}?secret={Base32(secret)}&issuer={Uri.EscapeDataString(issuer)}" +
            $"&algorithm=SHA1&digits={Digits}&period={StepSeconds}";
    }

    /// <summary>The key URI as a QR code, a PNG image in a data URI (an <c>img</c> element's <c>src</c>).</summary>
    public static string QrCodeDataUri(string keyUri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(keyUri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(6);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }

    /// <summary>The matched time step when <paramref name="code"/> is valid at <paramref name="now"/> (±1 step), else null.</summary>
    public static long? MatchingStep(byte[] secret, string code, DateTimeOffset now)
    {
        if (code.Length != Digits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }
        var totp = new OtpNet.Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(now.UtcDateTime, code, out var step, s_window) ? step : null;
    }
}
