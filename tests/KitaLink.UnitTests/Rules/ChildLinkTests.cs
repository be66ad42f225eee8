using KitaLink.Api.Links;

namespace KitaLink.UnitTests.Rules;

/// <summary>A link is made active by a redemption and archived once, when the child changes facility.</summary>
public sealed class ChildLinkTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NewLink_IsActive_AndRemembersItsRedemption()
    {
        var account = Guid.NewGuid();
        var child = Guid.NewGuid();
        var guardian = Guid.NewGuid();
        var pair = Guid.NewGuid();

        var link = new ChildLink(account, child, guardian, pair, s_now);

        Assert.NotEqual(Guid.Empty, link.Id);
        Assert.Equal(account, link.AccountId);
        Assert.Equal(child, link.ChildId);
        Assert.Equal(guardian, link.GuardianId);
        Assert.Equal(pair, link.PinPairId);
        Assert.Equal(ChildLinkStatus.Active, link.Status);
        Assert.Equal(s_now, link.LinkedAt);
        Assert.Null(link.ArchivedAt);
        Assert.Null(link.ReplacedByChildId);
    }

    [Fact]
    public void Archive_KeepsTheLinkAsHistory_PointingAtTheNewChildRecord()
    {
        var link = new ChildLink(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), s_now);
        var newChild = Guid.NewGuid();

        link.Archive(newChild, s_now.AddDays(30));

        Assert.Equal(ChildLinkStatus.Archived, link.Status);
        Assert.Equal(s_now.AddDays(30), link.ArchivedAt);
        Assert.Equal(newChild, link.ReplacedByChildId);
        Assert.Equal(s_now, link.LinkedAt);
    }

    [Fact]
    public void Archive_Twice_IsRefused_AndKeepsTheFirstMove()
    {
        var link = new ChildLink(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), s_now);
        var firstMove = Guid.NewGuid();
        link.Archive(firstMove, s_now.AddDays(30));

        var refusal = Assert.Throws<InvalidOperationException>(() => link.Archive(Guid.NewGuid(), s_now.AddDays(60)));

        // The refusal names the link, so a log of the failed move points at the row.
        Assert.Contains(link.Id.ToString(), refusal.Message);

        Assert.Equal(ChildLinkStatus.Archived, link.Status);
        Assert.Equal(s_now.AddDays(30), link.ArchivedAt);
        Assert.Equal(firstMove, link.ReplacedByChildId);
    }
}
