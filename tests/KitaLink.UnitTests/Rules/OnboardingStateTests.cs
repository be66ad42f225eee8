using KitaLink.Api.Onboarding;

namespace KitaLink.UnitTests.Rules;

/// <summary>
/// The onboarding states as the contract names them (the <c>state</c> filter and the counts of
/// <c>GET /facility/onboarding</c>), which of them put a guardian on the to-do list and what staff are asked to do.
/// </summary>
public sealed class OnboardingStateTests
{
    public static TheoryData<OnboardingState, string, OnboardingAction> Contract => new()
    {
        { OnboardingState.NoPins, "no_pins", OnboardingAction.CreatePins },
        { OnboardingState.Pending, "pending", OnboardingAction.None },
        { OnboardingState.MailQueued, "mail_queued", OnboardingAction.None },
        { OnboardingState.MailFailed, "mail_failed", OnboardingAction.CorrectAddressAndCreatePins },
        { OnboardingState.AddressSuspect, "address_suspect", OnboardingAction.CheckAddressWithParent },
        { OnboardingState.WrongEmailTried, "wrong_email_tried", OnboardingAction.CorrectAddressAndCreatePins },
        { OnboardingState.Locked, "locked", OnboardingAction.CreatePinsAndHandOverLetter },
        { OnboardingState.Expired, "expired", OnboardingAction.CreatePinsAndHandOverLetter },
        { OnboardingState.Linked, "linked", OnboardingAction.None },
        { OnboardingState.MailBounced, "mail_bounced", OnboardingAction.FollowBounceReason },
        { OnboardingState.MailDeferred, "mail_deferred", OnboardingAction.None },
    };

    [Theory]
    [MemberData(nameof(Contract))]
    public void EveryState_HasItsContractWord_ThatParsesBack_AndItsAction(OnboardingState state, string word, OnboardingAction action)
    {
        Assert.Equal(word, OnboardingStates.Word(state));
        Assert.Equal(state, OnboardingStates.Parse(word));
        Assert.Equal(action, OnboardingStates.ActionFor(state));
    }

    [Fact]
    public void TheWords_AreExactlyTheContractsEleven()
    {
        Assert.Equal(
            ["address_suspect", "expired", "linked", "locked", "mail_bounced", "mail_deferred", "mail_failed", "mail_queued", "no_pins", "pending", "wrong_email_tried"],
            OnboardingStates.Words.Order(StringComparer.Ordinal).ToList());
        Assert.Equal(Enum.GetValues<OnboardingState>().Length, OnboardingStates.Words.Count());
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("")]
    [InlineData("No_Pins")]
    [InlineData("noPins")]
    public void AWordOutsideTheContract_ParsesToNothing(string word) =>
        Assert.Null(OnboardingStates.Parse(word));

    [Fact]
    public void TheToDoList_HoldsExactlyTheStatesThatAskStaffToAct()
    {
        // A state is on the to-do list exactly when it asks for an action; delayed and queued mail wait.
        var asking = Enum.GetValues<OnboardingState>().Where(s => OnboardingStates.ActionFor(s) != OnboardingAction.None);
        Assert.Equal(asking.Order(), OnboardingStates.NeedingAction.Order());
        Assert.Equal(7, OnboardingStates.NeedingAction.Count);
        Assert.DoesNotContain(OnboardingState.MailDeferred, OnboardingStates.NeedingAction);
    }

    [Fact]
    public void EveryState_HasAnActionText_InEnglishAndGerman_ThatSaysWhetherThereIsSomethingToDo()
    {
        var english = new HashSet<string>();
        var german = new HashSet<string>();
        foreach (var state in Enum.GetValues<OnboardingState>())
        {
            var en = OnboardingStates.ActionText(state, german: false);
            var de = OnboardingStates.ActionText(state, german: true);
            Assert.False(string.IsNullOrWhiteSpace(en), $"{state}: English text");
            Assert.False(string.IsNullOrWhiteSpace(de), $"{state}: German text");
            Assert.NotEqual(en, de);
            Assert.True(english.Add(en), $"{state}: English text shared with another state");
            Assert.True(german.Add(de), $"{state}: German text shared with another state");
            var waits = OnboardingStates.ActionFor(state) == OnboardingAction.None;
            Assert.Equal(waits, en.StartsWith("Nothing to do", StringComparison.Ordinal));
            Assert.Equal(waits, de.StartsWith("Nicht", StringComparison.Ordinal) || de.StartsWith("Noch nichts", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void AStateOutsideTheEnum_HasNoActionText() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => OnboardingStates.ActionText((OnboardingState)99, german: false));

    [Fact]
    public void AStateOutsideTheEnum_AsksForNoAction() =>
        Assert.Equal(OnboardingAction.None, OnboardingStates.ActionFor((OnboardingState)99));
}
