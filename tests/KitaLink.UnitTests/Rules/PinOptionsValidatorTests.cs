using KitaLink.Api.Pins;
using Microsoft.Extensions.Hosting;
using NSubstitute;

namespace KitaLink.UnitTests.Rules;

/// <summary>
/// Start-up rules of the PIN hash keys: the current and every previous key at least 256 bits and not the
/// development key outside Development, every key version named once, every key used for one version only.
/// </summary>
public sealed class PinOptionsValidatorTests
{
    private const string Key1 = "cGluLWhhc2gta2V5LW9uZS1mb3ItdGhlLXZhbGlkYXRvci10ZXN0cy0wMDAwMDA=";
    private const string Key2 = "cGluLWhhc2gta2V5LXR3by1mb3ItdGhlLXZhbGlkYXRvci10ZXN0cy0wMDAwMDA=";
    private const string DevelopmentKey = "ZGV2ZWxvcG1lbnQtb25seS1rZXktLWtpdGFsaW5rLXBpbi1oYXNoLWtleS0xMjM=";

    private static PinOptionsValidator Validator(string environment = "Production")
    {
        var host = Substitute.For<IHostEnvironment>();
        host.EnvironmentName.Returns(environment);
        return new PinOptionsValidator(host);
    }

    private static IReadOnlyList<string> Failures(PinOptions options, string environment = "Production") =>
        [.. Validator(environment).Validate(null, options).Failures ?? []];

    [Fact]
    public void ARotation_WithDistinctVersionsAndKeys_IsAccepted()
    {
        var options = new PinOptions { HashKey = Key2, HashKeyVersion = 2, PreviousHashKeys = new() { ["1"] = Key1 } };

        Assert.True(Validator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void APreviousKeyWithTheCurrentVersion_IsRefusedInOneLineNamingBoth()
    {
        var options = new PinOptions { HashKey = Key2, HashKeyVersion = 2, PreviousHashKeys = new() { ["2"] = Key1 } };

        var failure = Assert.Single(Failures(options));
        Assert.Equal("Pins:PreviousHashKeys:2: key version 2 is configured twice (also Pins:HashKeyVersion); every key version must be unique.", failure);
    }

    [Fact]
    public void TwoPreviousKeysNamingOneVersion_AreRefused()
    {
        var options = new PinOptions { HashKey = Key2, HashKeyVersion = 3, PreviousHashKeys = new() { ["1"] = Key1, ["01"] = Key2 + "x" } };

        var failure = Assert.Single(Failures(options));
        Assert.Equal("Pins:PreviousHashKeys:1: key version 1 is configured twice (also Pins:PreviousHashKeys:01); every key version must be unique.", failure);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("v1")]
    [InlineData("1.5")]
    public void APreviousKeyNotNamedByAVersion_IsRefused(string name)
    {
        var options = new PinOptions { HashKey = Key2, HashKeyVersion = 2, PreviousHashKeys = new() { [name] = Key1 } };

        var failure = Assert.Single(Failures(options));
        Assert.StartsWith($"Pins:PreviousHashKeys:{name}: '{name}' is not a key version", failure);
    }

    [Fact]
    public void APreviousKeyShorterThan256Bits_IsRefused()
    {
        var options = new PinOptions { HashKey = Key2, HashKeyVersion = 2, PreviousHashKeys = new() { ["1"] = "too-short" } };

        Assert.Equal(["Pins:PreviousHashKeys:1 must be at least 256 bits (32 bytes)."], Failures(options));
    }

    [Fact]
    public void TheDevelopmentKey_IsRefusedOutsideDevelopment_AsCurrentOrPreviousKey()
    {
        var previous = new PinOptions { HashKey = Key2, HashKeyVersion = 2, PreviousHashKeys = new() { ["1"] = DevelopmentKey } };
        var current = new PinOptions { HashKey = DevelopmentKey };

        Assert.Equal(["Pins:PreviousHashKeys:1 is the public development key; configure a secret key outside Development."], Failures(previous));
        Assert.Equal(["Pins:HashKey is the public development key; configure a secret key outside Development."], Failures(current));
        Assert.Empty(Failures(previous, "Development"));
        Assert.Empty(Failures(current, "Development"));
    }

    [Fact]
    public void AShortCurrentKey_IsRefused()
    {
        Assert.Equal(["Pins:HashKey must be at least 256 bits (32 bytes)."], Failures(new PinOptions { HashKey = "too-short" }));
        Assert.Equal(["Pins:HashKey must be at least 256 bits (32 bytes)."], Failures(new PinOptions()));
    }

    [Fact]
    public void TheSameKeyUnderTwoVersions_IsRefused()
    {
        var options = new PinOptions { HashKey = Key1, HashKeyVersion = 2, PreviousHashKeys = new() { ["1"] = Key1 } };

        Assert.Equal(["Pins:PreviousHashKeys:1 is the same key as Pins:HashKey; a new key version needs a new key."], Failures(options));
    }

    [Fact]
    public void ABlankPreviousKey_CountsAsRemoved()
    {
        var options = new PinOptions { HashKey = Key2, HashKeyVersion = 2, PreviousHashKeys = new() { ["2"] = "", ["x"] = " " } };

        Assert.Empty(Failures(options));
        Assert.Equal([2], options.HashKeys().Select(k => k.Version));
    }

    [Fact]
    public void HashKeys_ListTheCurrentKeyFirst_ThenThePreviousByVersionNewestFirst()
    {
        var options = new PinOptions
        {
            HashKey = Key2,
            HashKeyVersion = 5,
            PreviousHashKeys = new() { ["3"] = Key1, ["10"] = Key1 + "a", ["4"] = Key1 + "b" },
        };

        Assert.Equal([5, 10, 4, 3], options.HashKeys().Select(k => k.Version));
    }
}
