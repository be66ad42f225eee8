using KitaLink.Api.Pins;

namespace KitaLink.UnitTests;

public sealed class PinPairTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private static PinPair NewPair() => new(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "eltern@gmail.com", "protected", new PinHashes(1, new byte[32], new byte[32]),
        Guid.NewGuid(), s_now, TimeSpan.FromDays(14));

    [Fact]
    public void NewPair_IsPendingUntilExpiry_ThenExpired()
    {
        var pair = NewPair();
        Assert.Equal(PinStatus.Pending, pair.StatusAt(s_now));
        Assert.Equal(PinStatus.Pending, pair.StatusAt(s_now.AddDays(14).AddTicks(-1)));
        Assert.Equal(PinStatus.Expired, pair.StatusAt(s_now.AddDays(14)));
        Assert.Equal(s_now.AddDays(14), pair.ExpiresAt);
    }

    [Fact]
    public void RecordFailedAttempt_LocksOnTheFifth()
    {
        var pair = NewPair();
        for (var i = 1; i < PinPair.MaxFailedAttempts; i++)
        {
            Assert.False(pair.RecordFailedAttempt(s_now));
            Assert.Equal(PinStatus.Pending, pair.StatusAt(s_now));
        }
        Assert.True(pair.RecordFailedAttempt(s_now));
        Assert.Equal(PinStatus.Locked, pair.StatusAt(s_now));
        Assert.Equal(5, pair.FailedAttempts);
    }

    [Fact]
    public void Redeem_IsSingleUse()
    {
        var pair = NewPair();
        var account = Guid.NewGuid();
        pair.Redeem(account, s_now);
        Assert.Equal(PinStatus.Redeemed, pair.StatusAt(s_now));
        Assert.Equal(account, pair.RedeemedByAccountId);
        Assert.Throws<InvalidOperationException>(() => pair.Redeem(Guid.NewGuid(), s_now));
    }

    [Fact]
    public void Redeem_OfExpiredPair_Throws() =>
        Assert.Throws<InvalidOperationException>(() => NewPair().Redeem(Guid.NewGuid(), s_now.AddDays(15)));

    [Fact]
    public void Revoke_EndsPendingPairOnce()
    {
        var pair = NewPair();
        Assert.True(pair.Revoke(PinRevocationReason.Replaced, s_now));
        Assert.Equal(PinStatus.Revoked, pair.StatusAt(s_now));
        Assert.False(pair.Revoke(PinRevocationReason.RevokedByStaff, s_now));
        Assert.Equal(PinRevocationReason.Replaced, pair.RevocationReason);
    }

    [Fact]
    public void Revoke_DoesNotTouchRedeemedPair()
    {
        var pair = NewPair();
        pair.Redeem(Guid.NewGuid(), s_now);
        Assert.False(pair.Revoke(PinRevocationReason.EmailChanged, s_now));
        Assert.Equal(PinStatus.Redeemed, pair.StatusAt(s_now));
    }

    [Fact]
    public void ReplacePin2_KeepsTheExpiry()
    {
        var pair = NewPair();
        var lookup = new byte[32];
        var newHash = Enumerable.Repeat((byte)7, 32).ToArray();
        pair.ReplacePin2(new PinHashes(1, lookup, newHash), Guid.NewGuid(), s_now.AddDays(1));
        Assert.Same(lookup, pair.Pin1Lookup);
        Assert.Equal(newHash, pair.Pin2Hash);
        Assert.Equal(s_now.AddDays(14), pair.ExpiresAt);
        Assert.Equal(s_now.AddDays(1), pair.Pin2IssuedAt);
    }

    [Fact]
    public void ReplacePin2_WithHashesOfANewerKey_MovesBothHashesAndTheVersion()
    {
        var pair = NewPair();
        var lookup = Enumerable.Repeat((byte)6, 32).ToArray();
        var pin2Hash = Enumerable.Repeat((byte)7, 32).ToArray();

        pair.ReplacePin2(new PinHashes(2, lookup, pin2Hash), Guid.NewGuid(), s_now.AddDays(1));

        Assert.Same(lookup, pair.Pin1Lookup);
        Assert.Same(pin2Hash, pair.Pin2Hash);
        Assert.Equal(2, pair.HashKeyVersion);
    }
}
