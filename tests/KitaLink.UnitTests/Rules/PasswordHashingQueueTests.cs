using KitaLink.Api.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace KitaLink.UnitTests.Rules;

/// <summary>
/// The hashing queue gives its places back: a request that was shed, or refused while the host stops,
/// leaves no place taken, so a burst cannot turn every later login into a 503. Unknown accounts cost a
/// real verification on a worker, like known ones.
/// </summary>
public sealed class PasswordHashingQueueTests
{
    private const string Password = "gelbe tulpen am fenster";

    private static PasswordHashing Create(int slots, int queue = 0, int iterations = 1_000) =>
        new(Options.Create(new PasswordOptions
        {
            MaxConcurrentHashes = slots,
            MaxQueuedHashes = queue,
            Iterations = iterations,
            // Nothing in these tests should reach the queue timeout, however busy the machine is.
            QueueTimeoutMilliseconds = 600_000,
        }));

    [Fact]
    public async Task ShedRequest_GivesItsQueuePlaceBack()
    {
        using var hashing = Create(slots: 1, queue: 1);
        using var busy = BusyWorker.Occupy(hashing);
        var waiting = hashing.HashAsync("rote rosen im garten", CancellationToken.None).Within();
        Assert.Equal(1, hashing.Queued);

        await Assert.ThrowsAsync<PasswordHashingBusyException>(() => hashing.HashAsync("blaue boote am see", CancellationToken.None).Within());

        Assert.Equal(1, hashing.Queued);
        await busy.ReleaseAsync();
        await waiting;
        Assert.Equal(0, hashing.Queued);
        // The place the shed request briefly took is free again: the next request is served.
        Assert.NotEmpty(await hashing.HashAsync("gruene wiesen im mai", CancellationToken.None).Within());
    }

    [Fact]
    public async Task AnAbandonedJob_IsNeverRun_AndGivesItsPlaceBackOnce()
    {
        using var hashing = Create(slots: 1, queue: 2);
        using var busy = BusyWorker.Occupy(hashing);
        using var cancel = new CancellationTokenSource();
        var ran = 0;
        var abandoned = hashing.RunAsync(PasswordHashing.Operations.Hash, () => Interlocked.Increment(ref ran), cancel.Token);
        Assert.Equal(1, hashing.Queued);

        // The caller gives up while the job waits: its place is free at once.
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.Within());
        Assert.Equal(0, hashing.Queued);

        // The worker then reaches the abandoned job in the queue, before the next one: it skips it.
        await busy.ReleaseAsync();
        Assert.Equal(7, await hashing.RunAsync(PasswordHashing.Operations.Hash, () => 7, CancellationToken.None).Within());
        Assert.Equal(0, Volatile.Read(ref ran));
        Assert.Equal(0, hashing.Queued);

        // Two places, and only two: the skipped job did not hand its place back a second time.
        using var busyAgain = BusyWorker.Occupy(hashing);
        var first = hashing.HashAsync("rote rosen im garten", CancellationToken.None).Within();
        var second = hashing.HashAsync("gruene wiesen im mai", CancellationToken.None).Within();
        await Assert.ThrowsAsync<PasswordHashingBusyException>(() => hashing.HashAsync("blaue boote am see", CancellationToken.None).Within());
        await busyAgain.ReleaseAsync();
        await Task.WhenAll(first, second);
    }

    [Fact]
    public async Task RequestWhileTheHostStops_IsBusy_AndTakesNoQueuePlace()
    {
        var hashing = Create(slots: 1);
        hashing.Dispose();

        await Assert.ThrowsAsync<PasswordHashingBusyException>(() => hashing.HashAsync(Password, CancellationToken.None).Within());

        Assert.Equal(0, hashing.Queued);
    }

    [Fact]
    public async Task DummyVerification_ForUnknownAccounts_WaitsForAWorkerLikeARealOne()
    {
        using var hashing = Create(slots: 1);
        using var busy = BusyWorker.Occupy(hashing);

        var dummy = hashing.VerifyAgainstDummyAsync("anything at all", CancellationToken.None).Within();

        // The dummy work queues behind the running job instead of answering at once.
        Assert.Equal(1, hashing.Queued);
        Assert.False(dummy.IsCompleted);
        await busy.ReleaseAsync();
        Assert.Equal(PasswordCheck.Failed, await dummy);
        Assert.Equal(0, hashing.Queued);
    }

    [Fact]
    public async Task DummyVerification_OfACanceledRequest_IsCanceled()
    {
        using var hashing = Create(slots: 1);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            hashing.VerifyAgainstDummyAsync("anything at all", new CancellationToken(canceled: true)).Within());
    }

    [Fact]
    public async Task UnreadableStoredHash_FailsTheCaller_InsteadOfLeavingItWaiting()
    {
        using var hashing = Create(slots: 1);
        await Assert.ThrowsAsync<FormatException>(() => hashing.VerifyAsync("not a stored hash!", Password, CancellationToken.None).Within());
        Assert.Equal(0, hashing.Queued);
    }
}
