using FluentValidation;
using KitaLink.Api.Accounts;

namespace KitaLink.UnitTests;

public sealed class PasswordPolicyTests
{
    private sealed record Input(string Password);

    private sealed class Validator : AbstractValidator<Input>
    {
        public Validator() => RuleFor(i => i.Password).AcceptablePassword();
    }

    private static bool Accepts(string password) => new Validator().Validate(new Input(password)).IsValid;

    private sealed class PresentedValidator : AbstractValidator<Input>
    {
        public PresentedValidator() => RuleFor(i => i.Password).PresentedPassword();
    }

    [Fact]
    public void EveryPasswordThatCanBeSet_CanAlsoBePresented()
    {
        // 128 emoji: 128 characters as the policy counts them, 256 UTF-16 code units.
        var longest = string.Concat(Enumerable.Repeat("🙂", 128));
        Assert.True(Accepts(longest));
        Assert.True(new PresentedValidator().Validate(new Input(longest)).IsValid);
        Assert.False(new PresentedValidator().Validate(new Input(longest + "🙂")).IsValid);
        Assert.False(new PresentedValidator().Validate(new Input("")).IsValid);
    }

    [Theory]
    [InlineData("qwerty123456")]
    [InlineData("QWERTY123456")]
    [InlineData("1qaz2wsx3edc")]
    [InlineData("123qweasdzxc")]
    public void CommonPasswords_AreRejectedRegardlessOfCase(string password)
    {
        Assert.True(PasswordPolicy.IsCommon(password));
        Assert.False(Accepts(password));
    }

    [Theory]
    [InlineData("short-pass1")]
    [InlineData("")]
    public void ShorterThan12_IsRejected(string password) => Assert.False(Accepts(password));

    [Fact]
    public void Exactly12And128Characters_AreAccepted_129IsNot()
    {
        Assert.True(Accepts("Kita-Ente-42"));
        var longest = string.Concat(Enumerable.Repeat("Sonnenblume-", 10)) + "Garten26";
        Assert.Equal(128, longest.Length);
        Assert.True(Accepts(longest));
        Assert.False(Accepts(new string('k', 129)));
    }

    [Fact]
    public void NoCompositionRules_AllLowercaseWordsAreFine() =>
        Assert.True(Accepts("gelbe tulpen am fenster"));

    [Theory]
    [InlineData("Kitalink2026!")]
    [InlineData("KITA-KITA-2026")]
    [InlineData("Passwort!!123456")]
    [InlineData("kindergarten12")]
    [InlineData("1234 Eltern 5678")]
    public void ContextWordsWithDigitsAndSymbols_AreRejected(string password)
    {
        Assert.True(PasswordPolicy.IsContextual(password));
        Assert.False(Accepts(password));
    }

    [Theory]
    [InlineData("Kita-Ente-42-Sonne")]
    [InlineData("Krippenspiel-2026")]
    [InlineData("123456789012345")]
    public void PasswordsThatOnlyContainAContextWord_AreFine(string password) => Assert.False(PasswordPolicy.IsContextual(password));

    [Fact]
    public void Length_CountsUserPerceivedCharacters() =>
        Assert.Equal(12, PasswordPolicy.Length("ääääää🙂🙂🙂🙂🙂🙂"));
}
