using KitaLink.Api.Children;
using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Pins;
using KitaLink.Api.Staff;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace KitaLink.UnitTests;

public sealed class FacilityInputRulesTests
{
    [Theory]
    [InlineData("eltern@gmail.com")]
    [InlineData("Julia.Schneider+kita@GoogleMail.com")]
    [InlineData("  eltern@web.de ")]
    [InlineData("o'brien@example.co.uk")]
    [InlineData("müller@beispiel.de")]
    public void PlausibleEmail_AcceptsRealAddresses(string email) => Assert.True(InputRules.IsPlausibleEmail(email));

    [Theory]
    [InlineData("")]
    [InlineData("eltern")]
    [InlineData("eltern@")]
    [InlineData("@gmail.com")]
    [InlineData("eltern@gmail")]
    [InlineData("eltern@gmail.")]
    [InlineData("eltern@.gmail.com")]
    [InlineData("eltern@gmail..com")]
    [InlineData("el tern@gmail.com")]
    [InlineData("eltern@@gmail.com")]
    [InlineData("a@b@gmail.com")]
    [InlineData("Eltern <eltern@gmail.com>")]
    [InlineData("el\ttern@gmail.com")]
    public void PlausibleEmail_RejectsMalformedAddresses(string email) => Assert.False(InputRules.IsPlausibleEmail(email));

    [Theory]
    [InlineData("eltern@gm\u0430il.com")]
    [InlineData("\u0435ltern@gmail.com")]
    [InlineData("eltern@g\u03bfogle.com")]
    public void Emails_WithCyrillicOrGreekLookAlikes_AreRejected(string email)
    {
        Assert.False(InputRules.IsPlausibleEmail(email));
        Assert.False(InputRules.IsEmailShaped(email));
    }

    [Theory]
    [InlineData("admin@localhost", true)]
    [InlineData("müller@beispiel.de", true)]
    [InlineData("admin' --", false)]
    [InlineData("a@b.de\r\nBcc: x@y.de", false)]
    [InlineData("a\u0000@b.de", false)]
    [InlineData("@b.de", false)]
    [InlineData("a@", false)]
    [InlineData("a@b@c.de", false)]
    public void EmailShaped_IsLooserThanPlausible_ButRefusesNonAddresses(string email, bool shaped) =>
        Assert.Equal(shaped, InputRules.IsEmailShaped(email));

    [Theory]
    [InlineData("Mia", true)]
    [InlineData("Jean-Luc", true)]
    [InlineData("O'Brien", true)]
    [InlineData("Nguyễn Văn An", true)]
    [InlineData("Dr. Müller", true)]
    [InlineData("<script>alert(1)</script>", false)]
    [InlineData("Robert'); DROP TABLE children;--", false)]
    [InlineData("1' OR '1'='1", false)]
    [InlineData("Mia2", false)]
    public void PersonName_IsAnAllowList(string name, bool allowed) => Assert.Equal(allowed, InputRules.IsPersonName(name));

    [Theory]
    [InlineData("Kita St. Marien (Süd)", true)]
    [InlineData("Sonne & Mond 2", true)]
    [InlineData("Mutter/Vater", true)]
    [InlineData("Igel'; DELETE FROM children; --", false)]
    [InlineData("<b>Igel</b>", false)]
    [InlineData("a=b", false)]
    public void Label_AllowsDigitsAndSomePunctuation_NotMarkupOrQueries(string label, bool allowed) =>
        Assert.Equal(allowed, InputRules.IsLabel(label));

    [Fact]
    public void PlausibleEmail_LimitsLocalPartTo64AndTotalTo254()
    {
        Assert.True(InputRules.IsPlausibleEmail(new string('a', 64) + "@example.com"));
        Assert.False(InputRules.IsPlausibleEmail(new string('a', 65) + "@example.com"));
        Assert.True(InputRules.IsPlausibleEmail("a@" + new string('b', 248) + ".com"));
        Assert.False(InputRules.IsPlausibleEmail("a@" + new string('b', 249) + ".com"));
    }

    [Fact]
    public void GuardianValidator_ReportsEveryBadField()
    {
        var result = new CreateGuardianRequestValidator().Validate(new CreateGuardianRequest(" ", new string('r', 101), "kein-at"));
        Assert.Equal(["Email", "Name", "Relationship"], result.Errors.Select(e => e.PropertyName).Distinct().Order());
    }

    [Fact]
    public void UpdateGuardianValidator_AcceptsAnEmptyPatch() =>
        Assert.True(new UpdateGuardianRequestValidator().Validate(new UpdateGuardianRequest()).IsValid);

    [Fact]
    public void ChildValidator_RejectsFutureAndImplausiblyOldBirthDates()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));
        var validator = new CreateChildRequestValidator(time);
        Assert.True(validator.Validate(new CreateChildRequest("Mia", "S", new DateOnly(2026, 11, 24))).IsValid);
        Assert.False(validator.Validate(new CreateChildRequest("Mia", "S", new DateOnly(2026, 11, 25))).IsValid);
        Assert.True(validator.Validate(new CreateChildRequest("Mia", "S", new DateOnly(2008, 11, 25))).IsValid);
        Assert.False(validator.Validate(new CreateChildRequest("Mia", "S", new DateOnly(2008, 11, 24))).IsValid);
        Assert.False(validator.Validate(new CreateChildRequest("Mia", "S", null)).IsValid);
    }

    [Fact]
    public void StaffValidator_UsesThePasswordPolicy()
    {
        var validator = new CreateStaffRequestValidator();
        Assert.True(validator.Validate(new CreateStaffRequest("a@example.com", "A", "correct horse battery")).IsValid);
        Assert.Contains(validator.Validate(new CreateStaffRequest("a@example.com", "A", "password1234")).Errors, e => e.PropertyName == "Password");
        Assert.Contains(validator.Validate(new CreateStaffRequest("a@example.com", "A", "kurz")).Errors, e => e.PropertyName == "Password");
    }

    [Theory]
    [InlineData(null, null, null, "de")]
    [InlineData(null, null, "en-US,en;q=0.9", "en")]
    [InlineData(null, null, "fr-FR,en;q=0.5,de;q=0.8", "de")]
    [InlineData(null, null, "fr-FR", "de")]
    [InlineData("en", null, "de", "en")]
    [InlineData("DE", "uk", "en", "de")]
    [InlineData(null, "tr", "en", "tr")]
    [InlineData("pl", "tr", null, "pl")]
    public void LetterLanguage_PrefersLangThenTheGuardiansLanguageThenAcceptLanguageThenGerman(string? lang, string? preferred, string? acceptLanguage, string expected)
    {
        var context = new DefaultHttpContext();
        if (acceptLanguage is not null)
        {
            context.Request.Headers.AcceptLanguage = acceptLanguage;
        }
        Assert.Equal(expected, PinsApi.LetterLanguageOf(lang, preferred, context.Request));
    }

    [Theory]
    [InlineData("fr", false)]
    [InlineData("", false)]
    [InlineData("UK", true)]
    [InlineData("tr", true)]
    public void FamilyLanguages_AreTheSixOffered(string code, bool supported) =>
        Assert.Equal(supported, FamilyLanguages.IsSupported(code));
}
