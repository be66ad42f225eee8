using KitaLink.Api.Pins;

namespace KitaLink.UnitTests;

/// <summary>One registration per pair at a time: the second waits for the first, other pairs do not wait.</summary>
public sealed class PinPairClaimsTests
{
    private static readonly byte[] s_pairA = [1, 2, 3];
    private static readonly byte[] s_pairB = [4, 5, 6];

    [Fact]
    public async Task SecondClaimOfOnePair_WaitsUntilTheFirstIsReleased()
    {
        var claims = new PinPairClaims();
        var first = await claims.ClaimAsync(s_pairA, CancellationToken.None);

        var second = claims.ClaimAsync(s_pairA, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(second.IsCompleted);

        first.Dispose();
        using var secondClaim = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, claims.Active);
    }

    [Fact]
    public async Task ClaimsOfDifferentPairs_DoNotWait()
    {
        var claims = new PinPairClaims();
        using var a = await claims.ClaimAsync(s_pairA, CancellationToken.None);
        using var b = await claims.ClaimAsync(s_pairB, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, claims.Active);
    }

    [Fact]
    public async Task WaitingClaim_EndsWithTheRequest()
    {
        var claims = new PinPairClaims();
        using var first = await claims.ClaimAsync(s_pairA, CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var second = claims.ClaimAsync(s_pairA, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
    }

    [Fact]
    public async Task ReleasedClaim_LeavesNothingBehind()
    {
        var claims = new PinPairClaims();
        (await claims.ClaimAsync(s_pairA, CancellationToken.None)).Dispose();
        Assert.Equal(0, claims.Active);
    }
}
