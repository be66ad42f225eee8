using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Pins;

namespace KitaLink.UnitTests;

public sealed class PinCheckTests
{
    private const string GuardianEmail = "Eltern.Mueller@gmail.com";
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private static PinPair NewPair() => new(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), GuardianEmail, "protected", new PinHashes(1, new byte[32], new byte[32]),
        Guid.NewGuid(), s_now.AddDays(-1), TimeSpan.FromDays(14));

    /// <summary>The check, then what the redemption does with its result: count the attempt on the pair.</summary>
    private static PinCheckResult Evaluate(PinPair? pair, bool pin2Matches, string email = GuardianEmail, DateTimeOffset? at = null)
    {
        var result = PinCheck.Evaluate(pair, pin2Matches, email, GuardianEmail, at ?? s_now);
        if (result.AttemptCounted)
        {
            Assert.Equal(result.LockedNow, pair!.RecordFailedAttempt(at ?? s_now));
        }
        return result;
    }

    [Fact]
    public void UnknownPin1_IsInvalid_WithoutCountingAnything() =>
        Assert.Equal(new PinCheckResult(PinVerdict.Invalid), Evaluate(null, pin2Matches: false));

    [Fact]
    public void WrongPin2_OnPendingPair_CountsAttemptAndIsInvalid()
    {
        var pair = NewPair();
        var result = Evaluate(pair, pin2Matches: false);
        Assert.Equal(new PinCheckResult(PinVerdict.Invalid, AttemptCounted: true), result);
        Assert.Equal(1, pair.FailedAttempts);
    }

    [Theory]
    [InlineData(false, "Eltern.Mueller@gmail.com")]
    [InlineData(true, "someone@else.example")]
    [InlineData(true, "Eltern.Mueller@gmail.com")]
    public void Evaluate_ChangesNothingOnThePair_TheCallerCountsTheAttempt(bool pin2Matches, string email)
    {
        var pair = NewPair();
        for (var i = 1; i < PinPair.MaxFailedAttempts; i++)
        {
            pair.RecordFailedAttempt(s_now);
        }

        var result = PinCheck.Evaluate(pair, pin2Matches, email, GuardianEmail, s_now);

        Assert.Equal(PinPair.MaxFailedAttempts - 1, pair.FailedAttempts);
        Assert.Equal(PinStatus.Pending, pair.StatusAt(s_now));
        Assert.Equal(result.AttemptCounted, result.LockedNow);
    }

    [Fact]
    public void WrongPin2_FifthTime_LocksThePairButStillAnswersInvalid()
    {
        var pair = NewPair();
        for (var i = 1; i < PinPair.MaxFailedAttempts; i++)
        {
            Assert.False(Evaluate(pair, pin2Matches: false).LockedNow);
        }
        var fifth = Evaluate(pair, pin2Matches: false);
        Assert.Equal(new PinCheckResult(PinVerdict.Invalid, AttemptCounted: true, LockedNow: true), fifth);
        Assert.Equal(PinStatus.Locked, pair.StatusAt(s_now));
    }

    public static TheoryData<string> EndedStates => ["redeemed", "revoked", "locked", "expired"];

    private static PinPair PairIn(string state)
    {
        var pair = NewPair();
        switch (state)
        {
            case "redeemed":
                pair.Redeem(Guid.NewGuid(), s_now);
                break;
            case "revoked":
                pair.Revoke(PinRevocationReason.RevokedByStaff, s_now);
                break;
            case "locked":
                for (var i = 0; i < PinPair.MaxFailedAttempts; i++)
                {
                    pair.RecordFailedAttempt(s_now);
                }
                break;
            case "expired":
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(state));
        }
        return pair;
    }

    private static DateTimeOffset TimeFor(string state) => state == "expired" ? s_now.AddDays(30) : s_now;

    [Theory]
    [MemberData(nameof(EndedStates))]
    public void WrongPin2_OnEndedPair_IsInvalid_RevealingNoStateAndCountingNothing(string state)
    {
        var pair = PairIn(state);
        var attempts = pair.FailedAttempts;
        Assert.Equal(new PinCheckResult(PinVerdict.Invalid), Evaluate(pair, pin2Matches: false, at: TimeFor(state)));
        Assert.Equal(attempts, pair.FailedAttempts);
    }

    [Theory]
    [InlineData("redeemed", PinVerdict.AlreadyUsed)]
    [InlineData("revoked", PinVerdict.Expired)]
    [InlineData("expired", PinVerdict.Expired)]
    [InlineData("locked", PinVerdict.Locked)]
    public void CorrectPins_OnEndedPair_RevealTheState(string state, PinVerdict expected) =>
        Assert.Equal(new PinCheckResult(expected), Evaluate(PairIn(state), pin2Matches: true, at: TimeFor(state)));

    [Theory]
    [InlineData("redeemed")]
    [InlineData("revoked")]
    [InlineData("expired")]
    [InlineData("locked")]
    public void CorrectPins_OnEndedPair_StateWinsOverEmailMismatch(string state) =>
        Assert.NotEqual(PinVerdict.EmailMismatch, Evaluate(PairIn(state), pin2Matches: true, email: "other@example.org", at: TimeFor(state)).Verdict);

    [Theory]
    [InlineData("Eltern.Mueller@gmail.com")]
    [InlineData("eltern.mueller@GMAIL.COM")]
    [InlineData("  Eltern.Mueller@gmail.com \t")]
    public void CorrectPins_AndSameEmailUpToCaseAndWhitespace_Proceed(string email)
    {
        var pair = NewPair();
        Assert.Equal(new PinCheckResult(PinVerdict.Proceed), Evaluate(pair, pin2Matches: true, email: email));
        Assert.Equal(0, pair.FailedAttempts);
    }

    [Theory]
    [InlineData("Eltern.Mueller@googlemail.com")]
    [InlineData("ElternMueller@gmail.com")]
    [InlineData("Eltern.Mueller+kita@gmail.com")]
    [InlineData("Eltern.Mueller@gmail.de")]
    public void CorrectPins_DifferentEmail_CountsAttemptAndIsEmailMismatch(string email)
    {
        var pair = NewPair();
        Assert.Equal(new PinCheckResult(PinVerdict.EmailMismatch, AttemptCounted: true), Evaluate(pair, pin2Matches: true, email: email));
        Assert.Equal(1, pair.FailedAttempts);
    }

    [Fact]
    public void EmailMismatch_ThatLocksThePair_IsAnsweredAsLocked()
    {
        var pair = NewPair();
        for (var i = 1; i < PinPair.MaxFailedAttempts; i++)
        {
            Evaluate(pair, pin2Matches: false);
        }
        var result = Evaluate(pair, pin2Matches: true, email: "someone@else.example");
        Assert.Equal(new PinCheckResult(PinVerdict.Locked, AttemptCounted: true, LockedNow: true), result);
    }

    [Fact]
    public void EmailMismatchProblem_CarriesTheMaskedAddressOnFile()
    {
        var problem = PinCheck.ToProblem(PinVerdict.EmailMismatch, GuardianEmail);
        Assert.Equal(ErrorCodes.EmailMismatch, problem.Code);
        Assert.Equal(422, problem.StatusCode);
        Assert.Equal("El***@gmail.com", problem.Extensions["emailHint"]);
    }

    [Theory]
    [InlineData(PinVerdict.Invalid, ErrorCodes.PinsInvalid, 422)]
    [InlineData(PinVerdict.AlreadyUsed, ErrorCodes.PinsAlreadyUsed, 409)]
    [InlineData(PinVerdict.Expired, ErrorCodes.PinsExpired, 410)]
    [InlineData(PinVerdict.Locked, ErrorCodes.PinsLocked, 423)]
    public void Verdicts_MapToTheSpecifiedCodesAndStatuses(PinVerdict verdict, string code, int status)
    {
        var problem = PinCheck.ToProblem(verdict, GuardianEmail);
        Assert.Equal(code, problem.Code);
        Assert.Equal(status, problem.StatusCode);
        Assert.False(problem.Extensions.ContainsKey("emailHint"));
    }
}
