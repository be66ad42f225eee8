using System.Collections.Concurrent;
using System.Diagnostics;
using KitaLink.Api.Infrastructure.Telemetry;
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

/// <summary>Thrown when no hashing worker frees up within the queue timeout; answered with 503.</summary>
public sealed class PasswordHashingBusyException() : Exception("All password hashing workers are busy.");

/// <summary>
/// PBKDF2-HMAC-SHA512 via ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>, computed on a fixed
/// number of dedicated threads (one per core by default). A hash is ~100 ms of CPU: on thread-pool threads
/// a login flood would block the threads that serve every other request and make the pool inject more.
/// Here callers wait asynchronously in a queue (holding no thread), the queue is bounded, and a request
/// that cannot be served within the queue timeout gets 503 instead of an ever-growing wait.
/// </summary>
public sealed class PasswordHashing : IDisposable
{
    private readonly PasswordHasher<object> _hasher;
    private readonly BlockingCollection<HashJob> _jobs = new(new ConcurrentQueue<HashJob>());
    private readonly Thread[] _workers;
    private readonly TimeSpan _queueTimeout;
    private readonly int _maxQueued;
    private readonly Lazy<string> _dummyHash;
    private readonly KitaLinkMetrics? _metrics;
    private int _queued;
    private long _hashesComputed;

    public PasswordHashing(IOptions<PasswordOptions> options, KitaLinkMetrics? metrics = null)
    {
        _metrics = metrics;
        // Saturation shows here first: a queue that stays near MaxQueuedHashes precedes 503s.
        metrics?.Meter.CreateObservableGauge("kitalink.password_hash.queue.depth", () => Queued, "{request}",
            "Password checks waiting for a hashing thread right now.");
        var value = options.Value;
        _hasher = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = value.Iterations,
        }));
        var workers = value.MaxConcurrentHashes > 0 ? value.MaxConcurrentHashes : Environment.ProcessorCount;
        _queueTimeout = TimeSpan.FromMilliseconds(value.QueueTimeoutMilliseconds);
        _maxQueued = value.MaxQueuedHashes > 0 ? value.MaxQueuedHashes : workers * 32;
        // Verified against when an account does not exist, so the answer takes as long as a real check.
        // Computed on a worker the first time it is needed.
        _dummyHash = new Lazy<string>(() => _hasher.HashPassword(new object(), Guid.NewGuid().ToString()));
        _workers = new Thread[workers];
        for (var i = 0; i < workers; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"KitaLink password hashing {i + 1}" };
            _workers[i].Start();
        }
    }

    /// <summary>The dedicated hashing threads: at most this many hashes run at once.</summary>
    public int Workers => _workers.Length;

    /// <summary>Requests waiting for a worker right now (not counting the ones being hashed).</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>New password hashes computed since start (verifications not counted).</summary>
    public long HashesComputed => Interlocked.Read(ref _hashesComputed);

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunAsync(Operations.Hash, () =>
        {
            Interlocked.Increment(ref _hashesComputed);
            return _hasher.HashPassword(null!, password);
        }, cancellationToken);

    public Task<PasswordCheck> VerifyAsync(string hash, string password, CancellationToken cancellationToken) =>
        RunAsync(Operations.Verify, () => Verify(hash, password), cancellationToken);

    /// <summary>Spends the same work as a real verification; always fails.</summary>
    public async Task<PasswordCheck> VerifyAgainstDummyAsync(string password, CancellationToken cancellationToken)
    {
        await RunAsync(Operations.Verify, () => Verify(_dummyHash.Value, password), cancellationToken);
        return PasswordCheck.Failed;
    }

    private PasswordCheck Verify(string hash, string password) => _hasher.VerifyHashedPassword(null!, hash, password) switch
    {
        PasswordVerificationResult.Success => PasswordCheck.Succeeded,
        PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.SucceededRehashNeeded,
        _ => PasswordCheck.Failed,
    };

    internal static class Operations
    {
        public const string Hash = "hash";
        public const string Verify = "verify";
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a hashing thread: queued, shed, bounded in its wait and counted like a hash.
    /// Internal so the queue tests can hold a worker with a job that waits instead of burning CPU.
    /// </summary>
    internal async Task<T> RunAsync<T>(string operation, Func<T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Shed load before queueing: a flood gets a fast 503 instead of a growing wait for everybody.
        if (Interlocked.Increment(ref _queued) > _maxQueued)
        {
            Interlocked.Decrement(ref _queued);
            _metrics?.HashRefused("queue_full");
            throw new PasswordHashingBusyException();
        }
        var job = new HashJob<T>(operation, work, this);
        try
        {
            _jobs.Add(job, CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Disposed (the host is stopping).
            Interlocked.Decrement(ref _queued);
            throw new PasswordHashingBusyException();
        }
        // Only the wait in the queue is bounded: a hash that has started runs to the end.
        using var timeout = new CancellationTokenSource(_queueTimeout);
        await using var onTimeout = timeout.Token.Register(static state => ((HashJob)state!).Abandon(new PasswordHashingBusyException()), job);
        await using var onCancel = cancellationToken.Register(static (state, token) => ((HashJob)state!).Abandon(new OperationCanceledException(token)), job);
        return await job.Task;
    }

    private void Work()
    {
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            job.Run();
        }
    }

    public void Dispose()
    {
        _jobs.CompleteAdding();
        foreach (var worker in _workers)
        {
            worker.Join(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>One queued computation. It is either taken by a worker or abandoned by its caller, never both.</summary>
    private abstract class HashJob(string operation, PasswordHashing owner)
    {
        private const int Waiting = 0, Taken = 1, Abandoned = 2;
        private readonly long _queuedAt = Stopwatch.GetTimestamp();
        private int _state;

        public void Run()
        {
            if (Interlocked.CompareExchange(ref _state, Taken, Waiting) != Waiting)
            {
                return;
            }
            Interlocked.Decrement(ref owner._queued);
            owner._metrics?.HashComputed(operation, Stopwatch.GetElapsedTime(_queuedAt));
            Execute();
        }

        public void Abandon(Exception reason)
        {
            if (Interlocked.CompareExchange(ref _state, Abandoned, Waiting) == Waiting)
            {
                Interlocked.Decrement(ref owner._queued);
                if (reason is PasswordHashingBusyException)
                {
                    owner._metrics?.HashRefused("timeout");
                }
                Fail(reason);
            }
        }

        protected abstract void Execute();

        protected abstract void Fail(Exception reason);
    }

    private sealed class HashJob<T>(string operation, Func<T> work, PasswordHashing owner) : HashJob(operation, owner)
    {
        // Continuations run on the thread pool, never on a hashing thread.
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _completion.Task;

        protected override void Execute()
        {
            try
            {
                _completion.TrySetResult(work());
            }
            catch (Exception exception)
            {
                _completion.TrySetException(exception);
            }
        }

        protected override void Fail(Exception reason)
        {
            if (reason is OperationCanceledException canceled)
            {
                _completion.TrySetCanceled(canceled.CancellationToken);
            }
            else
            {
                _completion.TrySetException(reason);
            }
        }
    }
}
