using KitaLink.Api.Infrastructure.Security;

namespace KitaLink.UnitTests.Rules;

/// <summary>
/// Holds one password-hashing worker until released, with a job that waits on a gate instead of burning CPU:
/// the queue tests see "every worker busy" for exactly as long as they need, however busy the machine is,
/// and cost no hashing time. Disposing releases the worker, so a failed test leaves no thread blocked.
/// </summary>
internal sealed class BusyWorker : IDisposable
{
    private readonly ManualResetEventSlim _gate = new();

    private BusyWorker(PasswordHashing hashing)
    {
        Running = hashing.RunAsync(PasswordHashing.Operations.Verify, () =>
        {
            _gate.Wait();
            return PasswordCheck.Failed;
        }, CancellationToken.None);
        // Taken off the queue by a worker: from here on, everything asked of the hashing waits behind it.
        Assert.True(SpinWait.SpinUntil(() => hashing.Queued == 0, Bounded.Wait), "a worker took the blocking job");
        Assert.False(Running.IsCompleted, "the blocking job runs until it is released");
    }

    /// <summary>The job holding the worker; completes once released.</summary>
    public Task<PasswordCheck> Running { get; }

    /// <summary>Occupies one worker of <paramref name="hashing"/> (all of them when it has one slot).</summary>
    public static BusyWorker Occupy(PasswordHashing hashing) => new(hashing);

    /// <summary>Lets the worker go and waits until the job has finished.</summary>
    public async Task ReleaseAsync()
    {
        _gate.Set();
        await Running.Within();
    }

    public void Dispose()
    {
        _gate.Set();
        _gate.Dispose();
    }
}
