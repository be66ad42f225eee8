using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KitaLink.UnitTests;

/// <summary>
/// The two steps of a password check: the hash before the lock, the decision on the locked row. What the
/// row says when it is locked wins over what the check saw before.
/// </summary>
public sealed class PasswordChecksTests : IDisposable
{
    private const string Password = "gelbe tulpen am fenster";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    // Cheap hashes: these tests are about the order of check and lock, not the cost of a hash (PasswordHashingTests
    // pins the production iteration count).
    private readonly PasswordHashing _hashing = new(Options.Create(new PasswordOptions { Iterations = 1_000 }));
    private readonly PasswordChecks _checks;
    private readonly PasswordOptions _options = new() { MaxFailedLogins = 3, LockoutMinutes = 15 };

    public PasswordChecksTests() => _checks = new PasswordChecks(_hashing, Options.Create(_options), _time);

    public void Dispose() => _hashing.Dispose();

    [Fact]
    public async Task RightPassword_OnAnUnchangedRow_IsVerified_AndResetsTheFailureCount()
    {
        var account = await AccountAsync();
        account.RecordFailedLogin(_time.GetUtcNow(), 3, TimeSpan.FromMinutes(15));

        var attempt = await _checks.CheckAsync(Stored(account), Password, CancellationToken.None);

        Assert.Equal(PasswordOutcome.Verified, await _checks.SettleAsync(account, attempt, Password, CancellationToken.None));
        Assert.Equal(0, account.FailedLoginCount);
    }

    [Fact]
    public async Task RightPassword_WhenParallelFailuresLockedTheRowMeanwhile_IsRefusedAsLockedOut()
    {
        var account = await AccountAsync();
        var attempt = await _checks.CheckAsync(Stored(account), Password, CancellationToken.None);
        Assert.True(attempt.LooksRight);
        for (var i = 0; i < 3; i++)
        {
            account.RecordFailedLogin(_time.GetUtcNow(), 3, TimeSpan.FromMinutes(15));
        }

        Assert.Equal(PasswordOutcome.LockedOut, await _checks.SettleAsync(account, attempt, Password, CancellationToken.None));
    }

    [Fact]
    public async Task WrongPasswords_AreCountedOnTheLockedRow_AndTheLastOneLocks()
    {
        var account = await AccountAsync();
        // Three guesses checked in parallel against the same unlocked snapshot, settled one after the other.
        var attempts = await Task.WhenAll(Enumerable.Range(0, 3)
            .Select(i => _checks.CheckAsync(Stored(account), $"falsch {i}", CancellationToken.None)));

        var outcomes = new List<PasswordOutcome>();
        foreach (var (attempt, i) in attempts.Select((a, i) => (a, i)))
        {
            outcomes.Add(await _checks.SettleAsync(account, attempt, $"falsch {i}", CancellationToken.None));
        }

        Assert.Equal([PasswordOutcome.WrongPassword, PasswordOutcome.WrongPassword, PasswordOutcome.WrongPasswordLockedNow], outcomes);
        Assert.True(account.IsLockedOut(_time.GetUtcNow()));
    }

    [Fact]
    public async Task LockedAccount_CostsOnlyDummyWork_AndStaysRefusedEvenWhenTheLockRunsOutBeforeSettling()
    {
        var account = await AccountAsync();
        for (var i = 0; i < 3; i++)
        {
            account.RecordFailedLogin(_time.GetUtcNow(), 3, TimeSpan.FromMinutes(15));
        }
        var attempt = await _checks.CheckAsync(Stored(account), Password, CancellationToken.None);
        Assert.False(attempt.LooksRight);

        _time.Advance(TimeSpan.FromMinutes(16));

        Assert.Equal(PasswordOutcome.LockedOut, await _checks.SettleAsync(account, attempt, Password, CancellationToken.None));
    }

    [Fact]
    public async Task PasswordChangedBetweenCheckAndLock_IsDecidedByTheNewHash()
    {
        var account = await AccountAsync();
        var withOldPassword = await _checks.CheckAsync(Stored(account), Password, CancellationToken.None);
        var withNewPassword = await _checks.CheckAsync(Stored(account), "neues passwort 2026", CancellationToken.None);
        account.SetPasswordHash(await _hashing.HashAsync("neues passwort 2026", CancellationToken.None), _time.GetUtcNow());

        Assert.Equal(PasswordOutcome.WrongPassword, await _checks.SettleAsync(account, withOldPassword, Password, CancellationToken.None));
        Assert.Equal(PasswordOutcome.Verified, await _checks.SettleAsync(account, withNewPassword, "neues passwort 2026", CancellationToken.None));
    }

    [Fact]
    public async Task UnknownAccount_OrRowDeletedMeanwhile_IsUnknown()
    {
        var unknown = await _checks.CheckAsync(null, Password, CancellationToken.None);
        Assert.Equal(PasswordOutcome.UnknownAccount, await _checks.SettleAsync(null, unknown, Password, CancellationToken.None));

        var account = await AccountAsync();
        var attempt = await _checks.CheckAsync(Stored(account), Password, CancellationToken.None);
        Assert.Equal(PasswordOutcome.UnknownAccount, await _checks.SettleAsync(null, attempt, Password, CancellationToken.None));
    }

    private async Task<KitaLink.Api.Accounts.ParentAccount> AccountAsync()
    {
        var account = new KitaLink.Api.Accounts.ParentAccount("eltern@example.org", _time.GetUtcNow());
        account.SetPasswordHash(await _hashing.HashAsync(Password, CancellationToken.None), _time.GetUtcNow());
        return account;
    }

    private static StoredPassword Stored(KitaLink.Api.Accounts.ParentAccount account) =>
        new(account.Id, account.PasswordHash, account.LockedUntil);
}
