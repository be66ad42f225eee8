using KitaLink.Api.Pins;

namespace KitaLink.UnitTests.Rules;

/// <summary>
/// A pair leaves pending exactly once: no transition, no resend and no attempt counting on a pair that
/// has ended, and every transition records when it happened.
/// </summary>
public sealed class PinPairTransitionTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_validity = TimeSpan.FromDays(14);
    private static readonly byte[] s_pin2Hash = Enumerable.Repeat((byte)2, 32).ToArray();

    private static PinPair NewPair() => new(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "eltern@gmail.com", "protected", new PinHashes(1, new byte[32], s_pin2Hash),
        Guid.NewGuid(), s_now, s_validity);

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

    private static DateTimeOffset TimeFor(string state) => state == "expired" ? s_now + s_validity : s_now.AddHours(1);

    [Fact]
    public void NewPair_StoresWhatItWasCreatedWith()
    {
        var facility = Guid.NewGuid();
        var child = Guid.NewGuid();
        var guardian = Guid.NewGuid();
        var staff = Guid.NewGuid();
        var lookup = Enumerable.Repeat((byte)1, 32).ToArray();

        var pair = new PinPair(facility, child, guardian, "eltern@gmail.com", "protected-pin1", new PinHashes(3, lookup, s_pin2Hash), staff, s_now, s_validity);

        Assert.NotEqual(Guid.Empty, pair.Id);
        Assert.Equal(facility, pair.FacilityId);
        Assert.Equal(child, pair.ChildId);
        Assert.Equal(guardian, pair.GuardianId);
        Assert.Equal("eltern@gmail.com", pair.GuardianEmail);
        Assert.Equal("protected-pin1", pair.Pin1Protected);
        Assert.Same(lookup, pair.Pin1Lookup);
        Assert.Same(s_pin2Hash, pair.Pin2Hash);
        Assert.Equal(3, pair.HashKeyVersion);
        Assert.Equal(staff, pair.CreatedByStaffId);
        Assert.Equal(PinPairState.Pending, pair.State);
        Assert.Equal(0, pair.FailedAttempts);
        Assert.Equal(s_now, pair.CreatedAt);
        Assert.Equal(s_now, pair.Pin2IssuedAt);
        Assert.Equal(s_now + s_validity, pair.ExpiresAt);
        Assert.Null(pair.Pin2MessageId);
        Assert.True(pair.IsRedeemableAt(s_now));
        Assert.False(pair.IsRedeemableAt(s_now + s_validity));
    }

    [Theory]
    [MemberData(nameof(EndedStates))]
    public void ReplacePin2_OnEndedPair_IsRefused_AndChangesNothing(string state)
    {
        var pair = PairIn(state);
        var message = Guid.NewGuid();
        pair.AttachPin2Message(message);

        Assert.Throws<InvalidOperationException>(() =>
            pair.ReplacePin2(new PinHashes(2, Enumerable.Repeat((byte)8, 32).ToArray(), Enumerable.Repeat((byte)9, 32).ToArray()), Guid.NewGuid(), TimeFor(state)));

        Assert.Same(s_pin2Hash, pair.Pin2Hash);
        Assert.Equal(new byte[32], pair.Pin1Lookup);
        Assert.Equal(1, pair.HashKeyVersion);
        Assert.Equal(message, pair.Pin2MessageId);
        Assert.Equal(s_now, pair.Pin2IssuedAt);
    }

    [Fact]
    public void ReplacePin2_OnPendingPair_PointsAtTheNewMessage()
    {
        var pair = NewPair();
        pair.AttachPin2Message(Guid.NewGuid());
        var resend = Guid.NewGuid();

        pair.ReplacePin2(new PinHashes(1, new byte[32], Enumerable.Repeat((byte)9, 32).ToArray()), resend, s_now.AddDays(2));

        Assert.Equal(resend, pair.Pin2MessageId);
        Assert.Equal(PinStatus.Pending, pair.StatusAt(s_now.AddDays(2)));
    }

    [Fact]
    public void AttachPin2Message_RecordsTheCarryingMessage()
    {
        var pair = NewPair();
        var message = Guid.NewGuid();
        pair.AttachPin2Message(message);
        Assert.Equal(message, pair.Pin2MessageId);
    }

    [Theory]
    [InlineData("redeemed", PinStatus.Redeemed)]
    [InlineData("revoked", PinStatus.Revoked)]
    [InlineData("locked", PinStatus.Locked)]
    public void RecordFailedAttempt_OnEndedPair_CountsNothingAndKeepsTheState(string state, PinStatus status)
    {
        var pair = PairIn(state);
        var attempts = pair.FailedAttempts;
        var lockedAt = pair.LockedAt;

        for (var i = 0; i < PinPair.MaxFailedAttempts + 1; i++)
        {
            Assert.False(pair.RecordFailedAttempt(s_now.AddHours(2)));
        }

        Assert.Equal(attempts, pair.FailedAttempts);
        Assert.Equal(status, pair.StatusAt(s_now.AddHours(2)));
        Assert.Equal(lockedAt, pair.LockedAt);
    }

    [Fact]
    public void RecordFailedAttempt_BelowTheLimit_CountsWithoutLocking()
    {
        var pair = NewPair();
        Assert.False(pair.RecordFailedAttempt(s_now));
        Assert.Equal(1, pair.FailedAttempts);
        Assert.Equal(PinPairState.Pending, pair.State);
        Assert.Null(pair.LockedAt);
    }

    [Fact]
    public void Lock_RecordsWhenItHappened()
    {
        var pair = NewPair();
        for (var i = 1; i < PinPair.MaxFailedAttempts; i++)
        {
            pair.RecordFailedAttempt(s_now);
        }
        Assert.True(pair.RecordFailedAttempt(s_now.AddMinutes(3)));
        Assert.Equal(PinPairState.Locked, pair.State);
        Assert.Equal(s_now.AddMinutes(3), pair.LockedAt);
    }

    [Fact]
    public void Redeem_RecordsWhenAndByWhom()
    {
        var pair = NewPair();
        var account = Guid.NewGuid();
        pair.Redeem(account, s_now.AddDays(3));
        Assert.Equal(PinPairState.Redeemed, pair.State);
        Assert.Equal(s_now.AddDays(3), pair.RedeemedAt);
        Assert.Equal(account, pair.RedeemedByAccountId);
    }

    [Theory]
    [InlineData("revoked")]
    [InlineData("locked")]
    [InlineData("expired")]
    public void Redeem_OfEndedPair_IsRefused_AndChangesNothing(string state)
    {
        var pair = PairIn(state);
        var before = pair.State;
        var refusal = Assert.Throws<InvalidOperationException>(() => pair.Redeem(Guid.NewGuid(), TimeFor(state)));
        // The message names the pair and its state, for the log of a caller that skipped the check.
        Assert.Equal($"PIN pair {pair.Id} is {pair.StatusAt(TimeFor(state))}, not pending.", refusal.Message);
        Assert.Equal(before, pair.State);
        Assert.Null(pair.RedeemedAt);
        Assert.Null(pair.RedeemedByAccountId);
    }

    [Fact]
    public void Revoke_RecordsWhenAndWhy()
    {
        var pair = NewPair();
        Assert.True(pair.Revoke(PinRevocationReason.EmailChanged, s_now.AddDays(1)));
        Assert.Equal(PinPairState.Revoked, pair.State);
        Assert.Equal(s_now.AddDays(1), pair.RevokedAt);
        Assert.Equal(PinRevocationReason.EmailChanged, pair.RevocationReason);
    }

    [Theory]
    [InlineData("redeemed")]
    [InlineData("locked")]
    public void Revoke_OfEndedPair_ChangesNothing(string state)
    {
        var pair = PairIn(state);
        var before = pair.State;
        Assert.False(pair.Revoke(PinRevocationReason.RevokedByStaff, s_now.AddHours(1)));
        Assert.Equal(before, pair.State);
        Assert.Null(pair.RevokedAt);
        Assert.Null(pair.RevocationReason);
    }

    [Fact]
    public void Revoke_OfExpiredButUnredeemedPair_EndsIt()
    {
        var pair = NewPair();
        Assert.True(pair.Revoke(PinRevocationReason.RevokedByStaff, s_now.AddDays(20)));
        Assert.Equal(PinStatus.Revoked, pair.StatusAt(s_now.AddDays(20)));
    }
}
