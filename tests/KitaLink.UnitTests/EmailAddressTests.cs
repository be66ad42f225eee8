using KitaLink.Api.Accounts;

namespace KitaLink.UnitTests;

public sealed class EmailAddressTests
{
    [Theory]
    [InlineData("eltern@gmail.com", "eltern@gmail.com")]
    [InlineData("Eltern@GMail.com", "eltern@gmail.com")]
    [InlineData("  eltern@gmail.com\t", "eltern@gmail.com")]
    public void Matches_IgnoresSurroundingWhitespaceAndCase(string entered, string typed) =>
        Assert.True(EmailAddress.Matches(entered, typed));

    [Theory]
    [InlineData("eltern@gmail.com", "eltern@googlemail.com")]
    [InlineData("eltern@gmail.com", "elt.ern@gmail.com")]
    [InlineData("eltern@gmail.com", "eltern+kita@gmail.com")]
    [InlineData("eltern@gmail.com", "eltern@gmail.de")]
    [InlineData("eltern@gmail.com", "el tern@gmail.com")]
    public void Matches_NoProviderAliasingDotsOrTags(string entered, string typed) =>
        Assert.False(EmailAddress.Matches(entered, typed));

    [Theory]
    [InlineData("eltern@gmail.com", "el***@gmail.com")]
    [InlineData("ab@web.de", "a***@web.de")]
    [InlineData("x@web.de", "x***@web.de")]
    [InlineData("  Julia.Schneider@Example.com ", "Ju***@Example.com")]
    public void Mask_KeepsDomainAndMasksLocalPart(string email, string expected) =>
        Assert.Equal(expected, EmailAddress.Mask(email));

    [Fact]
    public void Mask_OfMalformedAddress_RevealsNothing() => Assert.Equal("***", EmailAddress.Mask("no-at-sign"));

    [Fact]
    public void Normalize_TrimsAndLowercases() => Assert.Equal("eltern@gmail.com", EmailAddress.Normalize(" Eltern@Gmail.COM "));
}
