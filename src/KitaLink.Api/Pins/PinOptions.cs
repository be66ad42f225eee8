using System.ComponentModel.DataAnnotations;
using System.Globalization;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Pins;

/// <summary><c>Pins__*</c>: validity of a PIN pair and the keys of the PIN hashes.</summary>
public sealed class PinOptions
{
    public const string Section = "Pins";

    [Range(1, 90)]
    public int ValidityDays { get; set; } = 14;

    /// <summary>
    /// The current HMAC key for the PIN 1 lookup hash and the PIN 2 hash; base64 or plain text, at least 32 bytes.
    /// New pairs are always hashed with it.
    /// </summary>
    [Required]
    public string HashKey { get; set; } = "";

    /// <summary>The version of <see cref="HashKey"/>, recorded on every pair it hashes (docs/operations.md, rotation).</summary>
    [Range(1, int.MaxValue)]
    public int HashKeyVersion { get; set; } = 1;

    /// <summary>
    /// Earlier hash keys by version (<c>Pins__PreviousHashKeys__1=&lt;key&gt;</c>): pending pairs hashed with them stay
    /// redeemable until the key is removed. Blank entries count as removed.
    /// </summary>
    public Dictionary<string, string> PreviousHashKeys { get; set; } = [];

    /// <summary>How many PIN 2 resends one guardian may trigger per hour.</summary>
    [Range(1, 100)]
    public int Pin2ResendsPerHour { get; set; } = 3;

    /// <summary>Every configured key with its version: the current key first, then the previous ones, newest version first.</summary>
    internal IReadOnlyList<(int Version, byte[] Key)> HashKeys() =>
    [
        (HashKeyVersion, KeyMaterial.Decode(HashKey)),
        .. PreviousHashKeyEntries()
            .Select(e => (Version: ParseVersion(e.Key) ?? throw new InvalidOperationException($"Pins:PreviousHashKeys:{e.Key} is not a key version.")
                , Key: KeyMaterial.Decode(e.Value)))
            .OrderByDescending(k => k.Version),
    ];

    internal IEnumerable<KeyValuePair<string, string>> PreviousHashKeyEntries() =>
        PreviousHashKeys.Where(e => !string.IsNullOrWhiteSpace(e.Value)).OrderBy(e => e.Key, StringComparer.Ordinal);

    /// <summary>A key version is a whole number from 1, written in digits only.</summary>
    internal static int? ParseVersion(string name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1 ? version : null;
}

/// <summary>
/// The start-up rules for the PIN hash keys, one line per broken rule: the current and every previous key at least
/// 256 bits and not the public development key outside Development; every version named once, every key used once.
/// </summary>
internal sealed class PinOptionsValidator(IHostEnvironment environment) : IValidateOptions<PinOptions>
{
    public ValidateOptionsResult Validate(string? name, PinOptions options)
    {
        var failures = new List<string>();
        CheckKey("Pins:HashKey", options.HashKey, failures);

        // Version -> the setting that named it first, to name both settings of a duplicate.
        var versions = new Dictionary<int, string> { [options.HashKeyVersion] = "Pins:HashKeyVersion" };
        var keys = new Dictionary<string, string>(StringComparer.Ordinal) { [Convert.ToBase64String(KeyMaterial.Decode(options.HashKey))] = "Pins:HashKey" };
        foreach (var (versionName, key) in options.PreviousHashKeyEntries())
        {
            var setting = $"Pins:PreviousHashKeys:{versionName}";
            if (PinOptions.ParseVersion(versionName) is not { } version)
            {
                failures.Add($"{setting}: '{versionName}' is not a key version; name previous keys by their version, a whole number from 1 (Pins__PreviousHashKeys__1).");
                continue;
            }
            if (!versions.TryAdd(version, setting))
            {
                failures.Add($"{setting}: key version {version} is configured twice (also {versions[version]}); every key version must be unique.");
            }
            CheckKey(setting, key, failures);
            if (!keys.TryAdd(Convert.ToBase64String(KeyMaterial.Decode(key)), setting))
            {
                failures.Add($"{setting} is the same key as {keys[Convert.ToBase64String(KeyMaterial.Decode(key))]}; a new key version needs a new key.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void CheckKey(string setting, string key, List<string> failures)
    {
        if (KeyMaterial.Decode(key).Length < 32)
        {
            failures.Add($"{setting} must be at least 256 bits (32 bytes).");
        }
        else if (!environment.IsDevelopment() && DevelopmentKeys.IsDevelopmentKey(key))
        {
            failures.Add($"{setting} is the public development key; configure a secret key outside Development.");
        }
    }
}
