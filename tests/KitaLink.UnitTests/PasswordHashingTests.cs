using KitaLink.Api.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace KitaLink.UnitTests;

public sealed class PasswordHashingTests
{
    private static PasswordHashing Create(int slots = 2, int queue = 0) =>
        new(Options.Create(new PasswordOptions { MaxConcurrentHashes = slots, MaxQueuedHashes = queue }));

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
    public async Task VerifyAgainstDummy_AlwaysFails() =>
        Assert.Equal(PasswordCheck.Failed, await Create().VerifyAgainstDummyAsync("anything at all", CancellationToken.None));

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
