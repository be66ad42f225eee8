using KitaLink.Api.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace KitaLink.UnitTests;

public sealed class PasswordHashingTests
{
    private static PasswordHashing Create(int slots = 2, int queue = 0, int iterations = 210_000, int queueTimeoutMs = 10_000) =>
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
        using var hashing = Create();
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
            new Microsoft.AspNetCore.Identity.PasswordHasherOptions { IterationCount = 100_000 }));
        var oldHash = weak.HashPassword(null!, "gelbe tulpen am fenster");
        using var hashing = Create();
        Assert.Equal(PasswordCheck.SucceededRehashNeeded, await hashing.VerifyAsync(oldHash, "gelbe tulpen am fenster", CancellationToken.None));
    }

    [Fact]
    public async Task VerifyAgainstDummy_AlwaysFails()
    {
        using var hashing = Create();
        Assert.Equal(PasswordCheck.Failed, await hashing.VerifyAgainstDummyAsync("anything at all", CancellationToken.None));
    }

    [Fact]
    public async Task QueuedRequest_WhoseCallerGivesUp_IsCanceled_AndLeavesTheQueue()
    {
        // One worker, busy for a while with a slow hash; the second request waits in the queue.
        using var hashing = Create(slots: 1, iterations: 3_000_000);
        var first = hashing.HashAsync("gelbe tulpen am fenster", CancellationToken.None);
        Assert.True(SpinWait.SpinUntil(() => hashing.Queued == 0, TimeSpan.FromSeconds(5)), "the worker took the first hash");
        using var giveUp = new CancellationTokenSource();
        var second = hashing.HashAsync("rote rosen im garten", giveUp.Token);
        Assert.Equal(1, hashing.Queued);

        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        Assert.Equal(0, hashing.Queued);
        Assert.False(first.IsCompleted, "the running hash is not affected");
        Assert.NotEmpty(await first);
    }

    [Fact]
    public async Task QueuedRequest_BeyondTheQueueTimeout_IsBusy_WhileTheRunningHashCompletes()
    {
        using var hashing = Create(slots: 1, iterations: 3_000_000, queueTimeoutMs: 100);
        var first = hashing.HashAsync("gelbe tulpen am fenster", CancellationToken.None);
        var second = hashing.HashAsync("rote rosen im garten", CancellationToken.None);

        await Assert.ThrowsAsync<PasswordHashingBusyException>(() => second);
        Assert.Equal(0, hashing.Queued);
        // Only the wait is bounded: the hash that had started (and takes longer than 100 ms) still answers.
        Assert.Equal(PasswordCheck.Succeeded, await hashing.VerifyAsync(await first, "gelbe tulpen am fenster", CancellationToken.None));
    }

    [Fact]
    public async Task Flood_BeyondSlotsAndQueue_IsShedWithBusyInsteadOfWaiting()
    {
        using var hashing = Create(slots: 1, queue: 1);
        using var start = new Barrier(6);
        var attempts = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            start.SignalAndWait();
            try
            {
                await hashing.HashAsync("gelbe tulpen am fenster", CancellationToken.None);
                return true;
            }
            catch (PasswordHashingBusyException)
            {
                return false;
            }
        })).ToList();
        var results = await Task.WhenAll(attempts);
        Assert.Contains(false, results);
        Assert.Contains(true, results);
    }

    private static uint ReadUInt32(byte[] buffer, int offset) =>
        (uint)(buffer[offset] << 24 | buffer[offset + 1] << 16 | buffer[offset + 2] << 8 | buffer[offset + 3]);
}
