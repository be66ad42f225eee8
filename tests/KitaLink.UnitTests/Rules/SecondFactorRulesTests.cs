using KitaLink.Api.Accounts;
using KitaLink.Api.Mfa;

namespace KitaLink.UnitTests.Rules;

/// <summary>
/// The TOTP rules on their own: the ±1 step window, a code accepted once per step, the setup's states, the
/// password step that leaves the failure count to the completed sign-in, and the recovery-code canonical form.
/// </summary>
public sealed class SecondFactorRulesTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 9, 0, 15, TimeSpan.Zero);
    private static readonly byte[] s_secret = Enumerable.Range(1, Totp.SecretBytes).Select(i => (byte)i).ToArray();

    private static string CodeAt(DateTimeOffset time) => new OtpNet.Totp(s_secret).ComputeTotp(time.UtcDateTime);

    [Fact]
    public void MatchingStep_AcceptsTheCurrentStepAndOneEitherSide_ButNotTwo()
    {
        var step = s_now.ToUnixTimeSeconds() / Totp.StepSeconds;
        Assert.Equal(step, Totp.MatchingStep(s_secret, CodeAt(s_now), s_now));
        Assert.Equal(step - 1, Totp.MatchingStep(s_secret, CodeAt(s_now.AddSeconds(-30)), s_now));
        Assert.Equal(step + 1, Totp.MatchingStep(s_secret, CodeAt(s_now.AddSeconds(30)), s_now));
        Assert.Null(Totp.MatchingStep(s_secret, CodeAt(s_now.AddSeconds(-60)), s_now));
        Assert.Null(Totp.MatchingStep(s_secret, CodeAt(s_now.AddSeconds(60)), s_now));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12345a")]
    [InlineData("１２３４５６")]
    public void MatchingStep_RefusesWhatIsNoSixDigitCode(string code) => Assert.Null(Totp.MatchingStep(s_secret, code, s_now));

    [Fact]
    public void KeyUri_NamesIssuerAccountAndParameters()
    {
        var uri = Totp.KeyUri(s_secret, "KitaLink", "eltern@example.org");
        Assert.Equal($"otpauth://totp/KitaLink:eltern%40example.org?secret={Totp.Base32(s_secret)}&issuer=KitaLink&algorithm=SHA1&digits=6&period=30", uri);
        Assert.DoesNotContain("=", Totp.Base32(s_secret), StringComparison.Ordinal);
    }

    [Fact]
    public void Account_SetupStates_PendingConfirmedDisabled()
    {
        var account = new ParentAccount("eltern@example.org", s_now);
        Assert.False(account.ConfirmTotp(1, s_now));
        Assert.True(account.StartTotpEnrolment("protected-1"));
        Assert.True(account.HasPendingTotp);
        Assert.False(account.HasSecondFactor);
        Assert.True(account.StartTotpEnrolment("protected-2"));
        Assert.Equal("protected-2", account.TotpSecret);
        Assert.True(account.ConfirmTotp(100, s_now));
        Assert.True(account.HasSecondFactor);
        Assert.Equal(s_now, account.TotpEnabledAt);
        Assert.False(account.StartTotpEnrolment("protected-3"));
        Assert.False(account.ConfirmTotp(101, s_now));

        account.DisableTotp();
        Assert.False(account.HasSecondFactor);
        Assert.Null(account.TotpSecret);
        Assert.Null(account.TotpLastUsedStep);
    }

    [Fact]
    public void UseTotpStep_AcceptsEachStepOnce_AndNoEarlierOne()
    {
        var account = new ParentAccount("eltern@example.org", s_now);
        account.StartTotpEnrolment("protected");
        account.ConfirmTotp(100, s_now);

        Assert.False(account.UseTotpStep(100)); // the confirming code
        Assert.False(account.UseTotpStep(99));
        Assert.True(account.UseTotpStep(101));
        Assert.False(account.UseTotpStep(101));
        Assert.True(account.UseTotpStep(103));
        Assert.False(account.UseTotpStep(102));
    }

    [Fact]
    public void PasswordStep_WithTheFactorOn_KeepsTheFailureCount_WithoutItClearsIt()
    {
        var plain = new ParentAccount("a@example.org", s_now);
        var guarded = new ParentAccount("b@example.org", s_now);
        guarded.StartTotpEnrolment("protected");
        guarded.ConfirmTotp(1, s_now);
        foreach (var account in new[] { plain, guarded })
        {
            account.RecordFailedLogin(s_now, 3, TimeSpan.FromMinutes(15));
            account.RecordFailedLogin(s_now, 3, TimeSpan.FromMinutes(15));
            account.RecordPasswordVerified();
        }

        Assert.Equal(0, plain.FailedLoginCount);
        Assert.Equal(2, guarded.FailedLoginCount);
        guarded.RecordFailedLogin(s_now, 3, TimeSpan.FromMinutes(15));
        Assert.True(guarded.IsLockedOut(s_now));
        guarded.RecordSuccessfulLogin();
        Assert.False(guarded.IsLockedOut(s_now));
    }

    [Fact]
    public void RecoveryCodeHash_IgnoresCaseSpacesAndDashes_AndRefusesOtherShapes()
    {
        var hash = SecondFactor.RecoveryCodeHash("7KQ4-M9XD-R3VN-8HWC");
        Assert.NotNull(hash);
        Assert.Equal(hash, SecondFactor.RecoveryCodeHash("7kq4m9xd r3vn8hwc"));
        Assert.NotEqual(hash, SecondFactor.RecoveryCodeHash("7KQ4-M9XD-R3VN-8HWD"));
        Assert.Null(SecondFactor.RecoveryCodeHash("7KQ4-M9XD-R3VN-8HW"));
        Assert.Null(SecondFactor.RecoveryCodeHash("0KQ4-M9XD-R3VN-8HWC")); // 0 is not in the alphabet
        Assert.Null(SecondFactor.RecoveryCodeHash(null));
    }
}
