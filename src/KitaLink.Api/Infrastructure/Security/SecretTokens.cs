using System.Security.Cryptography;
using System.Text;

namespace KitaLink.Api.Infrastructure.Security;

/// <summary>Opaque bearer secrets (refresh and reset tokens): 256 random bits, stored only as SHA-256.</summary>
public static class SecretTokens
{
    public static string Generate() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
