using KitaLink.Api.Guardians.AddressCheck;

namespace KitaLink.UnitTests.AddressCheck;

public sealed class DomainTyposTests
{
    [Theory]
    [InlineData("gmial.com", "gmail.com")]      // transposition
    [InlineData("gmai.com", "gmail.com")]       // deletion
    [InlineData("fmail.com", "gmail.com")]      // substitution
    [InlineData("hotail.com", "hotmail.com")]
    [InlineData("googlemial.com", "googlemail.com")]
    [InlineData("gmx.ed", "gmx.de")]            // TLD typo ends in a provider: reported as TLD typo only (below)
    [InlineData("wbe.de", "web.de")]
    [InlineData("tonline.de", "t-online.de")]
    [InlineData("t-onlien.de", "t-online.de")]
    [InlineData("outlok.de", "outlook.de")]
    [InlineData("yahooo.de", "yahoo.de")]
    [InlineData("iclod.com", "icloud.com")]
    [InlineData("freenet.dd", "freenet.de")]
    [InlineData("posteo.dee", "posteo.de")]
    [InlineData("mailbox.ogr", "mailbox.org")]
    [InlineData("arcor.d", "arcor.de")]
    [InlineData("aol.cmo", "aol.com")]
    [InlineData("gmx.nte", "gmx.net")]
    [InlineData("live.dee", "live.de")]
    [InlineData("me.con", "me.com")]
    [InlineData("hotmail.co", "hotmail.com")]
    public void Find_SuggestsTheProviderMeant(string typed, string meant) =>
        Assert.Equal(meant, DomainTypos.Find(typed)!.SuggestedDomain);

    [Fact]
    public void Find_ProviderNameTypo_IsDomainTypo()
    {
        var finding = DomainTypos.Find("gmial.com")!;
        Assert.Equal([EmailSuspectReason.DomainTypo], finding.Reasons);
    }

    [Theory]
    [InlineData("gmail.con", "gmail.com")]
    [InlineData("gmail.cmo", "gmail.com")]
    [InlineData("gmx.dee", "gmx.de")]
    [InlineData("web.ed", "web.de")]
    [InlineData("gmail.comm", "gmail.com")]
    [InlineData("kita-sonnenschein.con", "kita-sonnenschein.com")]
    [InlineData("stadt-beispiel.dee", "stadt-beispiel.de")]
    public void Find_TldTypo_IsCorrectedAndReported(string typed, string meant)
    {
        var finding = DomainTypos.Find(typed)!;
        Assert.Equal([EmailSuspectReason.TldTypo], finding.Reasons);
        Assert.Equal(meant, finding.SuggestedDomain);
    }

    [Fact]
    public void Find_TypoInNameAndTld_ReportsBoth()
    {
        var finding = DomainTypos.Find("gmial.con")!;
        Assert.Equal([EmailSuspectReason.TldTypo, EmailSuspectReason.DomainTypo], finding.Reasons);
        Assert.Equal("gmail.com", finding.SuggestedDomain);
    }

    [Theory]
    [InlineData("gmx.de")]
    [InlineData("GMX.DE")]
    [InlineData("gmx.net")]
    [InlineData("web.de")]
    [InlineData("googlemail.com")]
    [InlineData("gmail.com")]
    [InlineData("outlook.com")]
    [InlineData("me.com")]
    [InlineData("gmx.at")]     // real domains near a provider are right as entered
    [InlineData("gmx.com")]
    [InlineData("mail.de")]
    [InlineData("outlook.at")]
    [InlineData("mac.com")]
    [InlineData("example.org")]
    [InlineData("example.com")]
    [InlineData("kita-sonnenschein.de")]
    [InlineData("uni-hamburg.de")]
    [InlineData("müller.de")]
    public void Find_RightDomains_AreNotSuspect(string domain) => Assert.Null(DomainTypos.Find(domain));

    [Fact]
    public void ShippedProviders_IncludeEveryProviderTheIssueNames()
    {
        string[] named =
        [
            "gmx.de", "gmx.net", "web.de", "t-online.de", "gmail.com", "googlemail.com", "outlook.de", "outlook.com", "hotmail.de",
            "hotmail.com", "live.de", "yahoo.de", "yahoo.com", "icloud.com", "me.com", "freenet.de", "posteo.de", "mailbox.org",
            "arcor.de", "aol.com",
        ];
        Assert.All(named, p => Assert.Contains(p, DomainTypos.Providers));
        Assert.All(named, p => Assert.True(DomainTypos.IsProvider(p)));
    }

    [Fact]
    public void Find_FarFromEveryProvider_IsNoTypo() => Assert.Null(DomainTypos.Find("gxm.info"));

    [Theory]
    // Providers up to seven characters allow one edit, longer ones two; the boundary is seven (gmx.net, live.de).
    [InlineData("gmc.dx", null)]
    [InlineData("gmx.nxx", null)]
    [InlineData("tonlien.de", "t-online.de")]
    // A missing character is within reach: the length difference may equal the edits allowed.
    [InlineData("wb.de", "web.de")]
    [InlineData("gmailcom", "gmail.com")]
    public void Find_AllowsOneEditForShortProvidersAndTwoForLongOnes(string domain, string? meant) =>
        Assert.Equal(meant, DomainTypos.Find(domain)?.SuggestedDomain);

    [Fact]
    public void Find_OnATieTheMoreUsedProviderWins() =>
        // Two edits from outlook.de and from outlook.com: outlook.de comes first in the list.
        Assert.Equal("outlook.de", DomainTypos.Find("outlook.cd")?.SuggestedDomain);

    [Theory]
    [InlineData(".con")]
    [InlineData("con")]
    public void Find_AnEndingWithoutANameBeforeIt_IsNoTopLevelDomainTypo(string domain) => Assert.Null(DomainTypos.Find(domain));

    [Theory]
    [InlineData("gmx.at")]
    [InlineData("hotmail.fr")]
    [InlineData("tuta.io")]
    [InlineData("mail.de")]
    [InlineData("GMX.CH")]
    public void Find_RealDomainsNearAProvider_AreNoTypos(string domain) => Assert.Null(DomainTypos.Find(domain));

    [Theory]
    [InlineData("kita-sonnenschein.cmo", "kita-sonnenschein.com")]
    [InlineData("kita-sonnenschein.ded", "kita-sonnenschein.de")]
    [InlineData("kita-sonnenschein.nte", "kita-sonnenschein.net")]
    [InlineData("kita-sonnenschein.prg", "kita-sonnenschein.org")]
    public void Find_CorrectsEachFamilyOfTopLevelDomainTypos(string domain, string meant)
    {
        var finding = DomainTypos.Find(domain)!;
        Assert.Equal([EmailSuspectReason.TldTypo], finding.Reasons);
        Assert.Equal(meant, finding.SuggestedDomain);
    }
}

public sealed class OptimalStringAlignmentTests
{
    [Theory]
    [InlineData("gmail.com", "gmail.com", 0)]
    [InlineData("gmial.com", "gmail.com", 1)]   // adjacent transposition costs one
    [InlineData("gmai.com", "gmail.com", 1)]
    [InlineData("gmaill.com", "gmail.com", 1)]
    [InlineData("fmail.com", "gmail.com", 1)]
    [InlineData("ca", "abc", 3)]                 // OSA, not unrestricted Damerau-Levenshtein (which gives 2)
    [InlineData("", "abc", 3)]
    [InlineData("web.de", "gmx.de", 3)]
    public void Distance(string a, string b, int expected)
    {
        Assert.Equal(expected, OptimalStringAlignment.Distance(a, b));
        Assert.Equal(expected, OptimalStringAlignment.Distance(b, a));
    }
}
