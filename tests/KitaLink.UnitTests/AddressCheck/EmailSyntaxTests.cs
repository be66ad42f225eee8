using KitaLink.Api.Guardians.AddressCheck;
using KitaLink.Api.Infrastructure.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace KitaLink.UnitTests.AddressCheck;

public sealed class EmailSyntaxTests
{
    /// <summary>Addresses the allow-list accepted before the address check; within the RFC limits too.</summary>
    [Theory]
    [InlineData("eltern@gmail.com")]
    [InlineData("Julia.Schneider+Kita@GoogleMail.com")]
    [InlineData("a@b.de")]
    [InlineData("o'brien@example.ie")]
    [InlineData("first_last-1@sub.domain.example.org")]
    [InlineData("jörg@müller.de")]
    [InlineData("x@xn--mller-kva.de")]
    [InlineData("x@123.example")]
    public void AcceptedAddresses_StayAccepted(string email)
    {
        Assert.True(EmailSyntax.IsWithinRfcLimits(email));
        Assert.True(InputRules.IsPlausibleEmail(email));
    }

    [Fact]
    public void LabelOf63_IsWithinTheLimits_64_IsNot_ButTheAllowListStillAcceptsIt()
    {
        Assert.True(EmailSyntax.IsWithinRfcLimits($"a@{new string('a', 63)}.de"));
        Assert.False(EmailSyntax.IsWithinRfcLimits($"a@{new string('a', 64)}.de"));
        // The edge keeps its allow-list: what it accepted before the check stays accepted.
        Assert.True(InputRules.IsPlausibleEmail($"a@{new string('a', 64)}.de"));
    }

    [Fact]
    public void LocalPartOf64_IsAccepted_65_IsNot()
    {
        Assert.True(EmailSyntax.IsWithinRfcLimits($"{new string('a', 64)}@example.de"));
        Assert.False(EmailSyntax.IsWithinRfcLimits($"{new string('a', 65)}@example.de"));
    }

    [Fact]
    public void DomainLongerThan253_IsOutsideTheLimits()
    {
        var label = new string('a', 60);
        var domain = string.Join('.', label, label, label, label) + ".de"; // 4*60+3+3 = 246
        Assert.True(EmailSyntax.IsWithinRfcLimits($"a@{domain}"));
        Assert.False(EmailSyntax.IsWithinRfcLimits($"a@aaaaaaaa.{domain}"));
    }

    [Fact]
    public void DomainOfExactly253_IsWithinTheLimits_254_IsNot()
    {
        var label = new string('a', 62);
        var domain253 = string.Join('.', label, label, label, new string('a', 61)) + ".de"; // 3*62+61+3+3 = 253
        Assert.Equal(EmailSyntax.MaxDomainLength, domain253.Length);
        Assert.True(EmailSyntax.IsWithinRfcLimits($"a@{domain253}"));
        Assert.False(EmailSyntax.IsWithinRfcLimits($"a@b{domain253}"));
    }

    [Fact]
    public void TopLevelDomainWithADigit_IsAccepted_OnlyAnAllDigitOneIsNot()
    {
        Assert.True(EmailSyntax.IsWithinRfcLimits("eltern@kita.x1"));
        Assert.False(EmailSyntax.IsWithinRfcLimits("eltern@kita.11"));
    }

    [Theory]
    [InlineData("a@-gmx.de")]
    [InlineData("a@gmx-.de")]
    [InlineData("a@gm_x.de")]
    [InlineData("a@gmx.123")]
    [InlineData(".a@gmx.de")]
    [InlineData("a.@gmx.de")]
    [InlineData("a@gmx")]
    [InlineData("a@")]
    [InlineData("@gmx.de")]
    public void OutsideTheRfcLimits(string email) => Assert.False(EmailSyntax.IsWithinRfcLimits(email));

    [Fact]
    public async Task DomainOutsideTheLimits_IsNoMailServer_WithoutAskingTheDns()
    {
        var dns = Substitute.For<DnsClient.IDnsQuery>();
        var check = new GuardianEmailCheck(Options.Create(new EmailCheckOptions()), new MailDomainLookup(dns, TimeSpan.FromSeconds(1)), new FakeTimeProvider());
        var report = await check.CheckAsync($"a@{new string('b', 64)}.de", default);
        Assert.Equal([EmailSuspectReason.NoMailServer], report.Reasons);
        Assert.Empty(dns.ReceivedCalls());
    }
}
