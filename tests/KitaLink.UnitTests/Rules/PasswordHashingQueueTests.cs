using KitaLink.Api.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace KitaLink.UnitTests.Rules;

/// <summary>
/// The hashing queue gives its places back: a request that was shed, or refused while the host stops,
/// leaves no seat taken, so a burst cannot turn every later login into a 503. Unknown accounts cost a
/// real verification on a worker, like known ones.
/// </summary>
public sealed class PasswordHashingQueueTests
{
    // Long enough (seconds even on a quiet machine) that the first hash still runs while the test queues more.
    private const int SlowIterations = 3_000_000;

    private static PasswordHashing Create(int slots, int queue, int iterations) =>
        new(Options.Create(new PasswordOptions
        {
            MaxConcurrentHashes = slots,
            MaxQueuedHashes = queue,
            Iterations = iterations,
            // Nothing in these tests should hit the queue timeout, however busy the machine is.
            QueueTimeoutMilliseconds = 600_000,
        }));

    private static void WaitUntilTheWorkerTookIt(PasswordHashing hashing) =>
        Assert.True(SpinWait.SpinUntil(() => hashing.Queued == 0, TimeSpan.FromSeconds(30)), "the worker took the first hash");

    [Fact]
    public async Task ShedRequest_GivesItsQueuePlaceBack()
    {
        using var hashing = Create(slots: 1, queue: 1, iterations: SlowIterations);
        var running = hashing.HashAsync("gelbe tulpen am fenster", CancellationToken.None);
        WaitUntilTheWorkerTookIt(hashing);
        var waiting = hashing.HashAsync("rote rosen im garten", CancellationToken.None);
        Assert.Equal(1, hashing.Queued);

        await Assert.ThrowsAsync<PasswordHashingBusyException>(() => hashing.HashAsync("blaue boote am see", CancellationToken.None));

        Assert.Equal(1, hashing.Queued);
        await running;
        await waiting;
        Assert.Equal(0, hashing.Queued);
        // The place the shed request briefly took is free again: the next request is served.
        Assert.NotEmpty(await hashing.HashAsync("gruene wiesen im mai", CancellationToken.None));
    }

    [Fact]
    public async Task RequestWhileTheHostStops_IsBusy_AndTakesNoQueuePlace()
    {
        var hashing = Create(slots: 1, queue: 0, iterations: 1_000);
        hashing.Dispose();

        await Assert.ThrowsAsync<PasswordHashingBusyException>(() => hashing.HashAsync("gelbe tulpen am fenster", CancellationToken.None));

        Assert.Equal(0, hashing.Queued);
    }

    [Fact]
    public async Task DummyVerification_ForUnknownAccounts_WaitsForAWorkerLikeARealOne()
    {
        using var hashing = Create(slots: 1, queue: 0, iterations: SlowIterations);
        var running = hashing.HashAsync("gelbe tulpen am fenster", CancellationToken.None);
        WaitUntilTheWorkerTookIt(hashing);

        var dummy = hashing.VerifyAgainstDummyAsync("anything at all", CancellationToken.None);

        // The dummy work queues behind the running hash instead of answering at once.
        Assert.Equal(1, hashing.Queued);
        Assert.False(dummy.IsCompleted);
        await running;
        Assert.Equal(PasswordCheck.Failed, await dummy);
        Assert.Equal(0, hashing.Queued);
    }

    [Fact]
    public async Task DummyVerification_OfACanceledRequest_IsCanceled() =>
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            using var hashing = Create(slots: 1, queue: 0, iterations: 1_000);
            await hashing.VerifyAgainstDummyAsync("anything at all", new CancellationToken(canceled: true));
        });
}
