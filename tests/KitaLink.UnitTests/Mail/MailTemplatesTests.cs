using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Pins;

namespace KitaLink.UnitTests.Mail;

public sealed class MailTemplatesTests
{
    // 13:35 UTC in December is 14:35 in Berlin (CET, UTC+1).
    private static readonly DateTimeOffset s_expires = new(2026, 12, 8, 13, 35, 0, TimeSpan.Zero);

    private static Pin2MailModel Model(string guardian = "Julia Schneider", string facility = "Kita Sonnenschein") =>
        new(guardian, "Mia", facility, "K7QM-R4TZ", s_expires);

    [Fact]
    public void Pin2_CarriesPin2InTextAndHtml()
    {
        var mail = Pin2Mail.Content(Model());
        Assert.Contains("K7QM-R4TZ", mail.TextBody);
        Assert.Contains("K7QM-R4TZ", mail.HtmlBody);
    }

    [Fact]
    public void Pin2_IsGermanFirstThenEnglish_InBothParts()
    {
        var mail = Pin2Mail.Content(Model());
        foreach (var body in new[] { mail.TextBody, mail.HtmlBody })
        {
            var german = body.IndexOf("Guten Tag Julia Schneider", StringComparison.Ordinal);
            var english = body.IndexOf("Hello Julia Schneider", StringComparison.Ordinal);
            Assert.True(german >= 0, "German greeting missing");
            Assert.True(english > german, "English part must follow the German one");
            Assert.Contains("Ihre PIN", body);
            Assert.Contains("Your PIN", body);
        }
        Assert.Contains("Ihre PIN 2", mail.Subject);
        Assert.Contains("Your PIN 2", mail.Subject);
    }

    [Fact]
    public void Pin2_NamesChildAndFacility_AndTellsWhatToDo()
    {
        var mail = Pin2Mail.Content(Model());
        Assert.Contains("Kita Sonnenschein", mail.TextBody);
        Assert.Contains("Mia", mail.TextBody);
        Assert.Contains("Installieren Sie die KitaLink-App", mail.TextBody);
        Assert.Contains("Registrieren Sie sich mit genau dieser E-Mail-Adresse", mail.TextBody);
        Assert.Contains("PIN 1 aus dem Brief", mail.TextBody);
        Assert.Contains("Register with exactly this email address", mail.TextBody);
        Assert.Contains("Enter PIN 1 from the daycare's letter", mail.TextBody);
        Assert.Contains("Die Mitarbeitenden der Kita sehen PIN 2 nie", mail.TextBody);
        Assert.Contains("daycare staff never see PIN 2", mail.TextBody);
        Assert.Contains("Do not share PIN 2", mail.TextBody);
    }

    [Fact]
    public void Pin2_ShowsExpiryInGermanLocalTime()
    {
        var mail = Pin2Mail.Content(Model());
        Assert.Contains("08.12.2026, 14:35 Uhr", mail.TextBody);
        Assert.Contains("8 December 2026, 14:35 (German time)", mail.TextBody);
        Assert.Contains("08.12.2026, 14:35 Uhr", mail.HtmlBody);
    }

    [Fact]
    public void Pin2_HtmlEncodesEveryTypedValue()
    {
        var mail = Pin2Mail.Content(Model(guardian: "<script>alert('x')</script>", facility: "Kita \"Sonne\" & <b>Mond</b>"));
        Assert.DoesNotContain("<script>", mail.HtmlBody);
        Assert.DoesNotContain("<b>Mond</b>", mail.HtmlBody);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", mail.HtmlBody);
        Assert.Contains("Kita &quot;Sonne&quot; &amp; &lt;b&gt;Mond&lt;/b&gt;", mail.HtmlBody);
        // Plain text stays literal: a mail client never interprets it.
        Assert.Contains("<script>alert('x')</script>", mail.TextBody);
    }

    [Fact]
    public void Pin2_ModelHasNoPlaceForPin1()
    {
        var properties = typeof(Pin2MailModel).GetProperties().Select(p => p.Name).ToArray();
        Assert.DoesNotContain(properties, name => name.Contains("Pin1", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(nameof(Pin2MailModel.Pin2Formatted), properties);
    }

    [Fact]
    public void Pin2_LineBreaksInNamesDoNotReachSubjectOrText()
    {
        var mail = Pin2Mail.Content(Model(guardian: "Julia\r\nBcc: evil@example.com", facility: "Kita\r\nSonne"));
        Assert.DoesNotContain('\n', mail.Subject);
        Assert.DoesNotContain('\r', mail.Subject);
        Assert.Contains("Guten Tag Julia  Bcc: evil@example.com,", mail.TextBody);
    }

    [Fact]
    public void Pin2_SubjectFitsTheColumn_EvenForTheLongestFacilityName()
    {
        var mail = Pin2Mail.Content(Model(facility: new string('K', 200)));
        Assert.True(mail.Subject.Length <= MailTemplates.MaxSubjectLength);
    }

    [Fact]
    public void PasswordReset_CarriesTheCode_ValidityAndIgnoreHint_InBothLanguages()
    {
        var mail = MailTemplates.PasswordReset(new PasswordResetMailModel("reset-token_AbC123", s_expires));
        foreach (var body in new[] { mail.TextBody, mail.HtmlBody })
        {
            Assert.Contains("reset-token_AbC123", body);
            Assert.Contains("eine Stunde", body);
            Assert.Contains("one hour", body);
            Assert.Contains("08.12.2026, 14:35 Uhr", body);
            Assert.Contains("ignorieren Sie diese E-Mail", body);
            Assert.Contains("ignore this email", body);
            Assert.True(body.IndexOf("Guten Tag", StringComparison.Ordinal) < body.IndexOf("Hello", StringComparison.Ordinal));
        }
        Assert.DoesNotContain("http", mail.TextBody);
    }

    [Fact]
    public void KitaTime_FollowsDaylightSavingTime()
    {
        Assert.Equal("01.07.2026, 14:00 Uhr", KitaTime.GermanDateTime(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal("01.12.2026, 13:00 Uhr", KitaTime.GermanDateTime(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero)));
        // Just before midnight UTC is already the next day in Berlin.
        Assert.Equal("1 January 2027", KitaTime.EnglishDate(new DateTimeOffset(2026, 12, 31, 23, 30, 0, TimeSpan.Zero)));
    }
}
