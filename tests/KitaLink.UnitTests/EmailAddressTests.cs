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

public sealed class GuardianEmailChangeTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Update_WithAnotherAddress_ReportsAChangedAddress()
    {
        var guardian = new KitaLink.Api.Guardians.Guardian(Guid.NewGuid(), Guid.NewGuid(), "Julia", "Mutter", "eltern@gmail.com", s_now);
        Assert.True(guardian.Update(null, null, "eltern@googlemail.com", s_now));
        Assert.Equal("eltern@googlemail.com", guardian.Email);
    }

    [Fact]
    public void Update_ChangingOnlyLetterCase_StoresItButIsNoNewAddress()
    {
        var guardian = new KitaLink.Api.Guardians.Guardian(Guid.NewGuid(), Guid.NewGuid(), "Julia", "Mutter", "eltern@gmail.com", s_now);
        Assert.False(guardian.Update(null, null, " Eltern@Gmail.com ", s_now));
        Assert.Equal("Eltern@Gmail.com", guardian.Email);
    }
}
