using KitaLink.Api.Accounts;
using KitaLink.Api.Pins;

namespace KitaLink.UnitTests.Rules;

/// <summary>The edges of the email and PIN input rules: where a mask or a PIN stops being one.</summary>
public sealed class EmailAndPinInputTests
{
    [Theory]
    [InlineData("eltern@gmail.com", "  eltern@gmail.com\t")]
    [InlineData(" Eltern@Gmail.com", "eltern@gmail.com ")]
    public void Matches_TrimsBothSides(string onFile, string presented)
    {
        Assert.True(EmailAddress.Matches(onFile, presented));
        Assert.True(EmailAddress.Matches(presented, onFile));
    }

    [Theory]
    [InlineData("@gmail.com")]
    [InlineData("  @gmail.com ")]
    [InlineData("")]
    public void Mask_OfAddressWithoutLocalPart_RevealsNothing(string email) => Assert.Equal("***", EmailAddress.Mask(email));

    [Theory]
    [InlineData("abc@web.de", "ab***@web.de")]
    [InlineData("a@b@web.de", "a@***@web.de")]
    public void Mask_ShowsTwoCharactersFromThreeOn_AndSplitsAtTheLastAt(string email, string expected) =>
        Assert.Equal(expected, EmailAddress.Mask(email));

    [Fact]
    public void Normalize_TrimsAndLowerCasesOnly() =>
        Assert.Equal("el.tern+kita@googlemail.com", EmailAddress.Normalize("\t El.Tern+Kita@GoogleMail.com \n"));

    [Fact]
    public void PinInput_Of32Characters_IsRead_33AreNot()
    {
        // A PIN typed with generous spacing still counts up to the 32-character input limit.
        var longest = "ABCD-EFGH".PadRight(32);
        Assert.Equal(32, longest.Length);
        Assert.Equal("ABCDEFGH", PinCodes.Normalize(longest));
        Assert.Null(PinCodes.Normalize(longest + " "));
    }

    [Fact]
    public void PinInput_WithANinthCharacterAfterSpacing_IsNoPin() => Assert.Null(PinCodes.Normalize("ABCD EFGH 2"));
}
