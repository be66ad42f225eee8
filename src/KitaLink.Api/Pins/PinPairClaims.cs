using System.Collections.Concurrent;

namespace KitaLink.Api.Pins;

/// <summary>
/// A short per-pair claim for registrations (<c>POST /accounts</c>), so that a burst on one pair costs one
/// password hash instead of one per request. Registration hashes the password before it locks the pair (the
/// hash takes ~100 ms and must not be held under a row lock), and only when the pair would accept it; without
/// the claim, twenty parallel requests all see the pair still pending and all hash. With it, one request per
/// pair (and instance) at a time runs the redemption; the others wait for it to finish and then re-check,
/// when the pair is usually redeemed already: they get <c>pins_already_used</c> without hashing.
/// <para>
/// In-process on purpose: the claim bounds hashing to one per pair per instance at a time; the row lock
/// (<c>SELECT ... FOR UPDATE</c>) still decides who redeems, across instances. Keyed by the PIN 1 lookup hash,
/// so no PIN is kept in memory.
/// </para>
/// </summary>
public sealed class PinPairClaims
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _claims = new(StringComparer.Ordinal);

    /// <summary>Pairs being redeemed in this instance right now.</summary>
    public int Active => _claims.Count;

    /// <summary>
    /// Waits until no other request of this instance redeems the pair, then claims it until the returned
    /// claim is disposed. The wait ends at the latest when the holder's request ends (its own timeouts bound it).
    /// </summary>
    public async Task<IDisposable> ClaimAsync(byte[] pin1Lookup, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(pin1Lookup);
        while (true)
        {
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var holder = _claims.GetOrAdd(key, mine);
            if (ReferenceEquals(holder, mine))
            {
                return new Claim(this, key, mine);
            }
            await holder.Task.WaitAsync(cancellationToken);
        }
    }

    private sealed class Claim(PinPairClaims owner, string key, TaskCompletionSource completion) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner._claims.TryRemove(new KeyValuePair<string, TaskCompletionSource>(key, completion));
                completion.TrySetResult();
            }
        }
    }
}
