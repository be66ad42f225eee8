using KitaLink.Api.Accounts;

namespace KitaLink.UnitTests.Rules;

/// <summary>The shipped list of common passwords is read whole, and blank lines add nothing.</summary>
public sealed class CommonPasswordListTests
{
    [Fact]
    public void ShippedList_IsReadFromTheOutputFolder_WithTheKnownCommonPasswords()
    {
        var list = PasswordPolicy.LoadCommonPasswords();

        Assert.Contains("qwerty123456", (IReadOnlySet<string>)list);
        Assert.Contains("1qaz2wsx3edc", (IReadOnlySet<string>)list);
        Assert.DoesNotContain("", (IReadOnlySet<string>)list);
        Assert.True(list.Count > 10_000, $"only {list.Count} entries read");
    }

    [Fact]
    public void BlankLines_AreSkipped_EveryOtherLineIsAnEntry()
    {
        var list = PasswordPolicy.ReadCommonPasswords(new StringReader("passwort123456\n\nhallo1234567\n\n"));

        Assert.Equal(["hallo1234567", "passwort123456"], list.Order(StringComparer.Ordinal));
    }
}
