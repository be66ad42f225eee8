using KitaLink.Api.Accounts;
using KitaLink.Api.Staff;

namespace KitaLink.UnitTests.Rules;

/// <summary>
/// The account rules parents and staff share: the normalised email is the unique key, a password change
/// ends every issued token, a hash upgrade does not, and the login lockout counts, locks and ends on time.
/// </summary>
public sealed class AccountRulesTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_lockout = TimeSpan.FromMinutes(15);

    [Fact]
    public void ParentAccount_KeepsTheTypedEmailTrimmed_AndKeysOnTheTrimmedLowerCasedOne()
    {
        var account = new ParentAccount("  Eltern.Mueller@GMail.com\t", s_now);

        Assert.Equal("Eltern.Mueller@GMail.com", account.Email);
        Assert.Equal("eltern.mueller@gmail.com", account.NormalizedEmail);
        Assert.Equal(s_now, account.CreatedAt);
        Assert.NotEqual(Guid.Empty, account.Id);
        Assert.Equal(0, account.TokenVersion);
        Assert.Null(account.PasswordChangedAt);
        // No password until one is set: an empty hash verifies nothing (a non-empty placeholder would not even parse).
        Assert.Empty(account.PasswordHash);
    }

    [Fact]
    public void ParentAccount_TwoSpellingsOfOneAddress_HaveOneKey() =>
        Assert.Equal(
            new ParentAccount("Eltern@Gmail.com", s_now).NormalizedEmail,
            new ParentAccount(" eltern@gmail.COM ", s_now).NormalizedEmail);

    [Fact]
    public void ParentAccount_PasswordChange_StoresTheHash_AndEndsEveryIssuedToken()
    {
        var account = new ParentAccount("eltern@gmail.com", s_now);

        account.SetPasswordHash("hash-1", s_now);
        Assert.Equal("hash-1", account.PasswordHash);
        Assert.Equal(s_now, account.PasswordChangedAt);
        Assert.Equal(1, account.TokenVersion);

        account.SetPasswordHash("hash-2", s_now.AddDays(1));
        Assert.Equal("hash-2", account.PasswordHash);
        Assert.Equal(s_now.AddDays(1), account.PasswordChangedAt);
        Assert.Equal(2, account.TokenVersion);
    }

    [Fact]
    public void ParentAccount_HashUpgrade_KeepsTokensAndTheChangeDate()
    {
        var account = new ParentAccount("eltern@gmail.com", s_now);
        account.SetPasswordHash("weak", s_now);

        account.UpgradePasswordHash("strong");

        Assert.Equal("strong", account.PasswordHash);
        Assert.Equal(1, account.TokenVersion);
        Assert.Equal(s_now, account.PasswordChangedAt);
    }

    [Fact]
    public void ParentAccount_Logout_EndsEveryIssuedToken()
    {
        var account = new ParentAccount("eltern@gmail.com", s_now);
        account.RevokeTokens();
        Assert.Equal(1, account.TokenVersion);
        account.RevokeTokens();
        Assert.Equal(2, account.TokenVersion);
    }

    [Fact]
    public void StaffMember_KeepsTheTypedEmailTrimmed_AndKeysOnTheTrimmedLowerCasedOne()
    {
        var facility = Guid.NewGuid();
        var staff = new StaffMember(facility, " Leitung@Kita-Sonnenschein.DE ", "Anna Leitung", StaffRole.Admin, s_now);

        Assert.Equal("Leitung@Kita-Sonnenschein.DE", staff.Email);
        Assert.Equal("leitung@kita-sonnenschein.de", staff.NormalizedEmail);
        Assert.Equal(facility, staff.FacilityId);
        Assert.Equal("Anna Leitung", staff.DisplayName);
        Assert.Equal(StaffRole.Admin, staff.Role);
        Assert.Equal(s_now, staff.CreatedAt);
        Assert.NotEqual(Guid.Empty, staff.Id);
        Assert.Equal(0, staff.TokenVersion);
        Assert.Empty(staff.PasswordHash);
    }

    [Fact]
    public void StaffMember_Operator_BelongsToNoFacility()
    {
        var op = new StaffMember(null, "betrieb@kitalink.example", "Betrieb", StaffRole.Operator, s_now);
        Assert.Null(op.FacilityId);
        var refusal = Assert.Throws<ArgumentException>(() => new StaffMember(Guid.NewGuid(), "betrieb@kitalink.example", "Betrieb", StaffRole.Operator, s_now));
        Assert.Equal("facilityId", refusal.ParamName);
        Assert.StartsWith("Operators belong to no facility.", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StaffRole.Admin)]
    [InlineData(StaffRole.Educator)]
    public void StaffMember_FacilityStaff_NeedAFacility(StaffRole role)
    {
        var refusal = Assert.Throws<ArgumentException>(() => new StaffMember(null, "team@kita.example", "Team", role, s_now));
        Assert.Equal("facilityId", refusal.ParamName);
        Assert.StartsWith("Facility staff need a facility.", refusal.Message, StringComparison.Ordinal);
        Assert.NotNull(new StaffMember(Guid.NewGuid(), "team@kita.example", "Team", role, s_now).FacilityId);
    }

    [Fact]
    public void StaffMember_PasswordChange_StoresTheHash_AndEndsEveryIssuedToken_ButAnUpgradeDoesNot()
    {
        var staff = new StaffMember(Guid.NewGuid(), "team@kita.example", "Team", StaffRole.Educator, s_now);

        staff.SetPasswordHash("hash-1", s_now);
        Assert.Equal("hash-1", staff.PasswordHash);
        Assert.Equal(1, staff.TokenVersion);
        Assert.Equal(s_now, staff.PasswordChangedAt);
        staff.SetPasswordHash("hash-2", s_now.AddDays(1));
        Assert.Equal(2, staff.TokenVersion);
        Assert.Equal(s_now.AddDays(1), staff.PasswordChangedAt);

        staff.UpgradePasswordHash("strong");
        Assert.Equal("strong", staff.PasswordHash);
        Assert.Equal(2, staff.TokenVersion);
    }

    [Fact]
    public void StaffMember_Deactivation_EndsEveryIssuedToken_OnceOnly_AndReactivationKeepsThemEnded()
    {
        var staff = new StaffMember(Guid.NewGuid(), "team@kita.example", "Team", StaffRole.Educator, s_now);
        Assert.True(staff.IsActive);

        Assert.True(staff.Deactivate(s_now));
        Assert.False(staff.IsActive);
        Assert.Equal(s_now, staff.DeactivatedAt);
        Assert.Equal(1, staff.TokenVersion);
        Assert.False(staff.Deactivate(s_now.AddHours(1)));
        Assert.Equal(s_now, staff.DeactivatedAt);
        Assert.Equal(1, staff.TokenVersion);

        Assert.True(staff.Reactivate());
        Assert.True(staff.IsActive);
        Assert.Null(staff.DeactivatedAt);
        Assert.Equal(1, staff.TokenVersion);
        Assert.False(staff.Reactivate());

        staff.RevokeTokens();
        Assert.Equal(2, staff.TokenVersion);
    }

    // The lockout, once per kind of account.
    public static TheoryData<string> Kinds => ["parent", "staff"];

    private static Api.Auth.IPasswordCredential NewAccount(string kind) => kind switch
    {
        "parent" => new ParentAccount("eltern@gmail.com", s_now),
        _ => new StaffMember(Guid.NewGuid(), "team@kita.example", "Team", StaffRole.Educator, s_now),
    };

    private static (int Count, DateTimeOffset? Until) Lockout(Api.Auth.IPasswordCredential account) => account switch
    {
        ParentAccount parent => (parent.FailedLoginCount, parent.LockedUntil),
        StaffMember staff => (staff.FailedLoginCount, staff.LockedUntil),
        _ => throw new ArgumentOutOfRangeException(nameof(account)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Lockout_NewAccount_IsNotLockedOut(string kind)
    {
        var account = NewAccount(kind);
        Assert.False(account.IsLockedOut(s_now));
        Assert.Equal((0, null), Lockout(account));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Lockout_FailuresBelowTheLimit_AreCountedWithoutLocking(string kind)
    {
        var account = NewAccount(kind);
        account.RecordFailedLogin(s_now, 3, s_lockout);
        account.RecordFailedLogin(s_now, 3, s_lockout);

        Assert.Equal((2, null), Lockout(account));
        Assert.False(account.IsLockedOut(s_now));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Lockout_TheFailureAtTheLimit_LocksForTheLockoutTime_AndStartsANewCount(string kind)
    {
        var account = NewAccount(kind);
        account.RecordFailedLogin(s_now, 3, s_lockout);
        account.RecordFailedLogin(s_now, 3, s_lockout);
        account.RecordFailedLogin(s_now.AddMinutes(1), 3, s_lockout);

        Assert.Equal((0, s_now.AddMinutes(1) + s_lockout), Lockout(account));
        Assert.True(account.IsLockedOut(s_now.AddMinutes(1)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Lockout_EndsExactlyAtItsEnd(string kind)
    {
        var account = NewAccount(kind);
        account.RecordFailedLogin(s_now, 1, s_lockout);
        var end = s_now + s_lockout;

        Assert.True(account.IsLockedOut(end.AddTicks(-1)));
        Assert.False(account.IsLockedOut(end));
        Assert.False(account.IsLockedOut(end.AddTicks(1)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Lockout_ASuccessfulLogin_ClearsCountAndLock(string kind)
    {
        var account = NewAccount(kind);
        account.RecordFailedLogin(s_now, 1, s_lockout);
        account.RecordFailedLogin(s_now, 3, s_lockout);

        account.RecordSuccessfulLogin();

        Assert.Equal((0, null), Lockout(account));
        Assert.False(account.IsLockedOut(s_now));
    }
}
