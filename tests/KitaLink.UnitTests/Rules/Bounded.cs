namespace KitaLink.UnitTests.Rules;

/// <summary>
/// A bound on every wait of the hashing tests. A working queue answers at once (a refusal, a cancellation) or after
/// a 1,000-iteration hash, milliseconds even on a loaded machine; a broken one (a worker never started, a place never
/// given back) would leave the test waiting until the queue timeout. Bounded, such a test fails within seconds, which
/// also keeps the mutation run short: a mutant that makes the hashing hang is killed here instead of waiting out
/// Stryker's own timeout.
/// </summary>
internal static class Bounded
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Wait);

    public static Task Within(this Task task) => task.WaitAsync(Wait);
}
