using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Pins;

namespace KitaLink.UnitTests;

public sealed class PinCodesTests
{
    [Fact]
    public void Alphabet_Has32CharactersWithoutLookAlikes()
    {
        Assert.Equal(32, PinCodes.Alphabet.Distinct().Count());
        Assert.DoesNotContain('0', PinCodes.Alphabet);
        Assert.DoesNotContain('O', PinCodes.Alphabet);
        Assert.DoesNotContain('1', PinCodes.Alphabet);
        Assert.DoesNotContain('I', PinCodes.Alphabet);
        // 8 characters of 5 bits each: 40 bits of entropy.
        Assert.Equal(40, PinCodes.Length * Math.Log2(PinCodes.Alphabet.Length));
    }

    [Fact]
    public void Generate_Returns8AlphabetCharacters_AndVaries()
    {
        var pins = Enumerable.Range(0, 2000).Select(_ => PinCodes.Generate()).ToList();
        Assert.All(pins, pin =>
        {
            Assert.Equal(8, pin.Length);
            Assert.All(pin, c => Assert.Contains(c, PinCodes.Alphabet));
        });
        Assert.Equal(pins.Count, pins.Distinct().Count());
        // Every alphabet character shows up: the generator uses the whole alphabet.
        Assert.Equal(32, pins.SelectMany(p => p).Distinct().Count());
    }

    [Fact]
    public void Format_ShowsTwoGroupsOfFour() => Assert.Equal("ABCD-EFGH", PinCodes.Format("ABCDEFGH"));

    [Theory]
    [InlineData("ABCD-EFGH", "ABCDEFGH")]
    [InlineData("abcd-efgh", "ABCDEFGH")]
    [InlineData(" abcd efgh ", "ABCDEFGH")]
    [InlineData("AB-CD-EF-GH", "ABCDEFGH")]
    [InlineData("23456789", "23456789")]
    public void Normalize_IsCaseInsensitiveAndIgnoresSpacesAndDashes(string input, string expected) =>
        Assert.Equal(expected, PinCodes.Normalize(input));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ABCD-EFG")]
    [InlineData("ABCD-EFGHJ")]
    [InlineData("ABCD-EFG0")]
    [InlineData("ABCD-EFGI")]
    [InlineData("ABCD_EFGH")]
    [InlineData("ABCDÉFGH")]
    public void Normalize_RejectsWhatCannotBeAPin(string? input) => Assert.Null(PinCodes.Normalize(input));
}
