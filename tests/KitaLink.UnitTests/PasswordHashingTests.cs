using KitaLink.Api.Infrastructure.Security;
using KitaLink.UnitTests.Rules;
using Microsoft.Extensions.Options;

namespace KitaLink.UnitTests;

public sealed class PasswordHashingTests
{
    // 1,000 iterations unless a test is about the production count: the rules do not depend on it, and the mutation
    // run executes these tests for every change to PasswordHashing.cs.
    private static PasswordHashing Create(int slots = 2, int queue = 0, int iterations = 1_000, int queueTimeoutMs = 10_000) =>
        new(Options.Create(new PasswordOptions
        {
            MaxConcurrentHashes = slots,
            MaxQueuedHashes = queue,
            Iterations = iterations,
            QueueTimeoutMilliseconds = queueTimeoutMs,
        }));

    [Fact]
    public async Task Hash_UsesPbkdf2Sha512With210kIterations_AndVerifies()
    {
        using var hashing = Create(iterations: 210_000);
        var hash = await hashing.HashAsync("gelbe tulpen am fenster", CancellationToken.None);
        var bytes = Convert.FromBase64String(hash);
        // Identity V3 format: 0x01, PRF (2 = HMACSHA512), iteration count, salt length (big-endian uint32s).
        Assert.Equal(0x01, bytes[0]);
        Assert.Equal(2u, ReadUInt32(bytes, 1));
        Assert.Equal(210_000u, ReadUInt32(bytes, 5));
        Assert.Equal(PasswordCheck.Succeeded, await hashing.VerifyAsync(hash, "gelbe tulpen am fenster", CancellationToken.None));
        Assert.Equal(PasswordCheck.Failed, await hashing.VerifyAsync(hash, "gelbe tulpen am Fenster", CancellationToken.None));
    }

    [Fact]
    public async Task Verify_OfHashWithFewerIterations_AsksForRehash()
    {
        var weak = new Microsoft.AspNetCore.Identity.PasswordHasher<object>(Options.Create(
            new Microsoft.AspNetCore.Identity.PasswordHasherOptions { IterationCount = 500 }));
        var oldHash = weak.HashPassword(null!, "gelbe tulpen am fenster");
        using var hashing = Create();
        Assert.Equal(PasswordCheck.SucceededRehashNeeded, await hashing.VerifyAsync(oldHash, "gelbe tulpen am fenster", CancellationToken.None).Within());
    }

    [Fact]
    public async Task VerifyAgainstDummy_AlwaysFails()
    {
        using var hashing = Create();
        Assert.Equal(PasswordCheck.Failed, await hashing.VerifyAgainstDummyAsync("anything at all", CancellationToken.None).Within());
    }

    [Fact]
    public async Task QueuedRequest_WhoseCallerGivesUp_IsCanceled_AndLeavesTheQueue()
    {
        // One worker, busy; the second request waits in the queue.
        using var hashing = Create(slots: 1);
        using var busy = BusyWorker.Occupy(hashing);
        using var giveUp = new CancellationTokenSource();
        var second = hashing.HashAsync("rote rosen im garten", giveUp.Token).Within();
        Assert.Equal(1, hashing.Queued);

        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        Assert.Equal(0, hashing.Queued);
        Assert.False(busy.Running.IsCompleted, "the running job is not affected");
        await busy.ReleaseAsync();
        // The canceled request left nothing behind: the worker serves the next one.
        Assert.NotEmpty(await hashing.HashAsync("gruene wiesen im mai", CancellationToken.None).Within());
    }

    [Fact]
    public async Task QueuedRequest_BeyondTheQueueTimeout_IsBusy_WhileTheRunningJobCompletes()
    {
        using var hashing = Create(slots: 1, queueTimeoutMs: 100);
        using var busy = BusyWorker.Occupy(hashing);
        var second = hashing.HashAsync("rote rosen im garten", CancellationToken.None).Within();

        await Assert.ThrowsAsync<PasswordHashingBusyException>(() => second);
        Assert.Equal(0, hashing.Queued);
        // Only the wait is bounded: the job that had started (and runs longer than 100 ms) still answers.
        Assert.False(busy.Running.IsCompleted);
        await busy.ReleaseAsync();
        Assert.Equal(PasswordCheck.Failed, await busy.Running.Within());
    }

    [Fact]
    public async Task Flood_BeyondSlotsAndQueue_IsShedWithBusyInsteadOfWaiting()
    {
        using var hashing = Create(slots: 1, queue: 1);
        using var busy = BusyWorker.Occupy(hashing);

        // One queue place: the first request of the flood waits, every further one is shed at once.
        var flood = Enumerable.Range(0, 5).Select(_ => Shed(hashing)).ToList();

        Assert.Equal(1, flood.Count(attempt => !attempt.IsCompleted));
        Assert.Equal(4, flood.Count(attempt => attempt.IsCompleted && attempt.Result));
        await busy.ReleaseAsync();
        await Task.WhenAll(flood).Within();
        Assert.Equal(4, flood.Count(attempt => attempt.Result));
    }

    // True when the request was shed with "busy" (503), false when it was served.
    private static async Task<bool> Shed(PasswordHashing hashing)
    {
        try
        {
            await hashing.HashAsync("gelbe tulpen am fenster", CancellationToken.None).Within();
            return false;
        }
        catch (PasswordHashingBusyException)
        {
            return true;
        }
    }

    private static uint ReadUInt32(byte[] buffer, int offset) =>
        (uint)(buffer[offset] << 24 | buffer[offset + 1] << 16 | buffer[offset + 2] << 8 | buffer[offset + 3]);
}
