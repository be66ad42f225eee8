using KitaLink.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Infrastructure.Security;

public enum PasswordCheck
{
    Failed,
    Succeeded,
    /// <summary>Right password, but hashed with weaker settings: store <see cref="PasswordHashing.HashAsync"/> of it.</summary>
    SucceededRehashNeeded,
}

/// <summary>Thrown when no hashing slot frees up within the queue timeout; answered with 503.</summary>
public sealed class PasswordHashingBusyException() : Exception("All password hashing slots are busy.");

/// <summary>
/// PBKDF2-HMAC-SHA512 via ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>, with a gate that
/// bounds concurrent computations. A login flood then queues (asynchronously, holding no thread) or
/// gets 503 instead of starving every other request of CPU.
/// </summary>
public sealed class PasswordHashing : IDisposable
{
    private readonly PasswordHasher<object> _hasher;
    private readonly SemaphoreSlim _gate;
    private readonly TimeSpan _queueTimeout;
    private readonly int _maxQueued;
    private int _queued;
    private readonly Lazy<string> _dummyHash;

    public PasswordHashing(IOptions<PasswordOptions> options)
    {
        var value = options.Value;
        _hasher = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = value.Iterations,
        }));
        var slots = value.MaxConcurrentHashes > 0 ? value.MaxConcurrentHashes : Environment.ProcessorCount;
        _gate = new SemaphoreSlim(slots, slots);
        _queueTimeout = TimeSpan.FromMilliseconds(value.QueueTimeoutMilliseconds);
        _maxQueued = value.MaxQueuedHashes > 0 ? value.MaxQueuedHashes : slots * 32;
        // Verified against when an account does not exist, so the answer takes as long as a real check.
        _dummyHash = new Lazy<string>(() => _hasher.HashPassword(new object(), Guid.NewGuid().ToString()));
    }

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunGatedAsync(() => _hasher.HashPassword(null!, password), cancellationToken);

    public Task<PasswordCheck> VerifyAsync(string hash, string password, CancellationToken cancellationToken) =>
        RunGatedAsync(() => _hasher.VerifyHashedPassword(null!, hash, password) switch
        {
            PasswordVerificationResult.Success => PasswordCheck.Succeeded,
            PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.SucceededRehashNeeded,
            _ => PasswordCheck.Failed,
        }, cancellationToken);

    /// <summary>Spends the same work as a real verification; always fails.</summary>
    public async Task<PasswordCheck> VerifyAgainstDummyAsync(string password, CancellationToken cancellationToken)
    {
        await VerifyAsync(_dummyHash.Value, password, cancellationToken);
        return PasswordCheck.Failed;
    }

    private async Task<T> RunGatedAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        // Shed load before queueing: a flood gets a fast 503 instead of a growing wait for everybody.
        if (Interlocked.Increment(ref _queued) > _maxQueued)
        {
            Interlocked.Decrement(ref _queued);
            throw new PasswordHashingBusyException();
        }
        bool acquired;
        try
        {
            acquired = await _gate.WaitAsync(_queueTimeout, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
        if (!acquired)
        {
            throw new PasswordHashingBusyException();
        }
        try
        {
            return work();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
